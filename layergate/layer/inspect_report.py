"""`layergate inspect` output: text for people, JSON for programs (``format_version`` 1).

The CycloneDX SBOM is ``layergate.layer.sbom``. Text lists the short sections first and the file list
last; JSON carries everything, with the same field names the diff JSON uses for files and endpoints.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii as _quote
from typing import TYPE_CHECKING, Any

from layergate import __version__
from layergate.layer.archive import Problem
from layergate.layer.inventory import Endpoint, FileEntry, LayerContents
from layergate.layer.packages import RUNTIMES, Package, purl
from layergate.layer.survey import Binary, Extension

if TYPE_CHECKING:
    from layergate.vulns.model import VulnReport

FORMAT_VERSION = 1
SHOWN_FILES_PER_ENDPOINT = 3


def mode_text(mode: int | None) -> str | None:
    return None if mode is None else f"{mode:04o}"


def size_text(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    return f"{size / 1000:.1f} KB" if size < 1_000_000 else f"{size / 1_000_000:.1f} MB"


def some(items: Sequence[str], shown: int = SHOWN_FILES_PER_ENDPOINT) -> str:
    """"a, b, c and 4 more"."""
    text = ", ".join(items[:shown])
    return text + (f" and {len(items) - shown} more" if len(items) > shown else "")


# --- JSON ---------------------------------------------------------------------------------------

def file_json(f: FileEntry) -> dict[str, Any]:
    out: dict[str, Any] = {"path": f.path, "size": f.size, "sha256": f.sha256 or None, "mode": mode_text(f.mode)}
    if f.symlink:
        out["symlink"] = True
    return out


def package_json(p: Package) -> dict[str, Any]:
    return {
        "runtime": RUNTIMES[p.ecosystem], "ecosystem": p.ecosystem, "group": p.group or None, "name": p.name,
        "version": p.version or None, "purl": purl(p), "path": p.path,
        "hashes": {alg: hex_ for alg, hex_ in p.hashes}, "hashed_file": p.hashed, "file_count": len(p.files),
    }


def extension_json(e: Extension) -> dict[str, Any]:
    return {"path": e.path, "kind": e.kind, "detail": e.detail, "executable": e.executable,
            "sha256": e.sha256 or None}


def binary_json(b: Binary) -> dict[str, Any]:
    return {"path": b.path, "type": b.elf.kind, "arch": b.elf.arch, "bits": b.elf.bits, "sha256": b.sha256 or None}


def endpoint_json(e: Endpoint) -> dict[str, Any]:
    return {"value": e.value, "kind": e.kind, "files": list(e.files)}


def problem_json(p: Problem) -> dict[str, Any]:
    return {"kind": p.kind, "path": p.path or None, "message": p.message}


def layer_json(c: LayerContents) -> dict[str, Any]:
    return {
        "source": c.source, "archive_sha256": c.archive_sha256 or None, "complete": c.complete,
        "file_count": len(c.files), "total_size": c.total_size,
    }


class RawJson(str):
    """An item already encoded (the file list is the bulk of the output: formatted directly)."""


def file_line(f: FileEntry) -> RawJson:
    """``file_json(f)`` encoded, without building the dict."""
    sha = f'"{f.sha256}"' if f.sha256 else "null"
    mode = f'"{f.mode:04o}"' if f.mode is not None else "null"
    symlink = ', "symlink": true' if f.symlink else ""
    return RawJson(f'{{"path": {_quote(f.path)}, "size": {f.size}, "sha256": {sha}, "mode": {mode}{symlink}}}')


def dumps(doc: dict[str, Any]) -> str:
    """Top-level keys one per line, list items one per line, each item compact: readable, and fast
    (``json`` only uses its C encoder without ``indent``, and a layer can list 50,000 files)."""
    lines = ["{"]
    last = len(doc) - 1
    for i, (key, value) in enumerate(doc.items()):
        comma = "," if i < last else ""
        if isinstance(value, list) and value:
            lines.append(f"  {json.dumps(key)}: [")
            lines.append(",\n".join("    " + (item if isinstance(item, RawJson) else json.dumps(item))
                                    for item in value))
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_json(c: LayerContents, vulns: VulnReport | None = None) -> str:
    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "tool": {"name": "layergate", "version": __version__},
        "layer": layer_json(c),
        "problems": [problem_json(p) for p in c.problems],
        "packages": [package_json(p) for p in c.packages],
        "extensions": [extension_json(e) for e in c.extensions],
        "binaries": [binary_json(b) for b in c.binaries],
        "endpoints": [endpoint_json(e) for e in c.endpoints],
        "files": [file_line(f) for f in c.files],
    }
    if vulns is not None:
        from layergate.vulns.report import report_json

        doc = {**{k: v for k, v in doc.items() if k != "files"}, "vulnerabilities": report_json(vulns),
               "files": doc["files"]}
    return dumps(doc)


# --- text ---------------------------------------------------------------------------------------

def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    if not rows:
        return ["  (none)"]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1]).rstrip()
            for r in rows]


def problem_lines(problems: Sequence[Problem]) -> list[str]:
    return _table([(p.kind, p.path or "(archive)", p.message) for p in problems])


def render_text(c: LayerContents, vulns: VulnReport | None = None) -> str:
    out = [f"Layer {c.source}"]
    out.append(f"  sha256 {c.archive_sha256} (zip)" if c.archive_sha256 else "  directory")
    out.append(f"  {len(c.files)} files, {size_text(c.total_size)} unzipped")
    if not c.complete:
        out.append("  INCOMPLETE: some content was not read (see problems); nothing below covers it")
    if c.problems:
        out += ["", f"Problems ({len(c.problems)})", *problem_lines(c.problems)]
    out += ["", f"Packages ({len(c.packages)})"]
    out += _table([(RUNTIMES[p.ecosystem], p.display(), p.path) for p in c.packages])
    out += ["", f"Extensions ({len(c.extensions)})"]
    out += _table([(e.path, e.detail, _executable(e.executable)) for e in c.extensions])
    out += ["", f"Native binaries ({len(c.binaries)})"]
    out += _table([(b.path, b.elf.describe()) for b in c.binaries])
    out += ["", f"Network endpoints ({len(c.endpoints)})"]
    out += _table([(e.value, some(e.files)) for e in c.endpoints])
    if vulns is not None:
        from layergate.vulns.report import text_lines

        out += ["", *text_lines(vulns)]
    out += ["", f"Files ({len(c.files)})"]
    size_width = max((len(str(f.size)) for f in c.files), default=0)
    out += _table([(f.sha256 or "(not read)".ljust(64), str(f.size).rjust(size_width),
                    f.path + (" (symlink)" if f.symlink else "")) for f in c.files])
    return "\n".join(out) + "\n"


def _executable(flag: bool | None) -> str:
    if flag is None:
        return "(permissions not recorded)"
    return "executable" if flag else "not executable (no x permission bit)"
