"""`layergate diff` output: text, JSON (``format_version`` 1) and Markdown for a pull request comment.

Every format starts with the summary counts, then the sections in the order a reviewer reads them:
packages, network endpoints, extensions, native binaries, other files, and hostile entries new in NEW.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from layergate import __version__
from layergate.layer.inspect_report import (
    FORMAT_VERSION,
    dumps,
    endpoint_json,
    file_json,
    layer_json,
    problem_json,
    problem_lines,
    some,
)
from layergate.layer.layerdiff import FileChange, LayerDiff, PackageChange
from layergate.layer.packages import RUNTIMES

if TYPE_CHECKING:
    from layergate.vulns.diff import VulnDiff

MARKDOWN_OPEN_ROWS = 20  # longer Markdown sections fold into <details>


def count_label(key: str, n: int) -> str:
    """("packages_added", 1) -> "1 package added"."""
    noun, _, verb = key.partition("_")
    if n == 1:
        noun = "binary" if noun == "binaries" else noun[:-1]
    return f"{n} {noun} {verb}"


def summary(d: LayerDiff) -> str:
    if d.identical:
        return "identical: no file differs"
    parts = [count_label(k, n) for k, n in d.counts().items() if n]
    return ", ".join(parts) if parts else "files differ"


def _versions(c: PackageChange) -> str:
    if c.kind == "added":
        return c.new_version or "(version unknown)"
    if c.kind == "removed":
        return c.old_version or "(version unknown)"
    if c.old_version == c.new_version:
        return f"{c.new_version or '(version unknown)'}, same version"
    return f"{c.old_version or '?'} -> {c.new_version or '?'}"


def _package_note(c: PackageChange) -> str:
    if c.kind == "changed" and c.old_version == c.new_version:
        return f"{len(c.changed_files)} files changed without a version change: {some(list(c.changed_files))}"
    if c.changed_files and c.kind not in ("added", "removed"):
        return f"{len(c.changed_files)} files changed"
    return c.path


def _file_note(f: FileChange) -> str:
    old, new = f.old, f.new
    notes = [f.detail] if f.detail else []
    if old is not None and new is not None:
        if old.sha256 != new.sha256:
            notes.append(f"sha256 {old.sha256[:12]} -> {new.sha256[:12]}, {old.size} -> {new.size} bytes")
        if old.mode != new.mode:
            notes.append(f"mode {_mode(old.mode)} -> {_mode(new.mode)}")
        if old.symlink != new.symlink:
            notes.append("now a symlink" if new.symlink else "no longer a symlink")
    elif new is not None:
        notes.append(f"{new.size} bytes")
    if new is not None and new.symlink:
        notes.append("a symlink (not followed)")
    return "; ".join(notes)


def _mode(mode: int | None) -> str:
    return "unrecorded" if mode is None else f"{mode:04o}"


# --- text ---------------------------------------------------------------------------------------

def _rows(rows: Sequence[Sequence[str]]) -> list[str]:
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1]).rstrip()
            for r in rows]


def render_text(d: LayerDiff, vulns: VulnDiff | None = None) -> str:
    out = [f"OLD {d.old.source}", f"NEW {d.new.source}", f"Summary: {summary(d)}"]

    def section(title: str, rows: Sequence[Sequence[str]]) -> None:
        if rows:
            out.extend(["", f"{title} ({len(rows)})", *_rows(rows)])

    section("Packages", [(c.kind, RUNTIMES[c.ecosystem], c.name, _versions(c), _package_note(c)) for c in d.packages])
    if vulns is not None:
        from layergate.vulns.diff import text_lines

        out.extend(["", *text_lines(vulns)])
    section("Network endpoints", [("added", e.value, some(e.files)) for e in d.endpoints_added]
            + [("removed", e.value, some(e.files)) for e in d.endpoints_removed])
    section("Extensions", [(f.kind, f.path, _file_note(f)) for f in d.extensions])
    section("Native binaries", [(f.kind, f.path, _file_note(f)) for f in d.binaries])
    section("Other files", [(f.kind, f.path, _file_note(f)) for f in d.files])
    if d.new_problems:
        out.extend(["", f"Hostile or unreadable entries new in NEW ({len(d.new_problems)})",
                    *problem_lines(d.new_problems)])
    return "\n".join(out) + "\n"


# --- JSON ---------------------------------------------------------------------------------------

def _change_json(f: FileChange) -> dict[str, Any]:
    return {"kind": f.kind, "path": f.path, "detail": f.detail or None,
            "old": file_json(f.old) if f.old else None, "new": file_json(f.new) if f.new else None}


def render_json(d: LayerDiff, vulns: VulnDiff | None = None) -> str:
    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "tool": {"name": "layergate", "version": __version__},
        "old": layer_json(d.old),
        "new": layer_json(d.new),
        "identical": d.identical,
        "summary": d.counts(),
        "packages": [
            {"kind": c.kind, "runtime": RUNTIMES[c.ecosystem], "ecosystem": c.ecosystem, "name": c.name,
             "old_version": c.old_version, "new_version": c.new_version, "path": c.path,
             "changed_files": list(c.changed_files)}
            for c in d.packages
        ],
        "endpoints_added": [endpoint_json(e) for e in d.endpoints_added],
        "endpoints_removed": [endpoint_json(e) for e in d.endpoints_removed],
        "extensions": [_change_json(f) for f in d.extensions],
        "binaries": [_change_json(f) for f in d.binaries],
        "files": [_change_json(f) for f in d.files],
        "new_problems": [problem_json(p) for p in d.new_problems],
    }
    if vulns is not None:
        from layergate.vulns.diff import to_json

        doc["vulnerabilities"] = to_json(vulns)
    return dumps(doc)


# --- Markdown -----------------------------------------------------------------------------------

def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    if not rows:
        return []
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    if len(rows) > MARKDOWN_OPEN_ROWS:
        return ["", f"<details><summary><b>{title}</b> ({len(rows)})</summary>", "", *table, "", "</details>"]
    return ["", f"#### {title} ({len(rows)})", "", *table]


def render_markdown(d: LayerDiff, vulns: VulnDiff | None = None) -> str:
    out = [f"### layergate diff: `{d.old.source}` → `{d.new.source}`", "", f"**{summary(d)}**"]
    out += _md_table("Packages", ("change", "runtime", "package", "version", "note"), [
        (c.kind, RUNTIMES[c.ecosystem], f"`{c.name}`", _versions(c), _package_note(c)) for c in d.packages])
    if vulns is not None:
        from layergate.vulns.diff import markdown_rows

        out += _md_table("Known vulnerabilities", ("change", "package", "vulnerability", "severity", "summary"),
                         markdown_rows(vulns))
    out += _md_table("Network endpoints", ("change", "endpoint", "found in"),
                     [("added", f"`{e.value}`", some(e.files)) for e in d.endpoints_added]
                     + [("removed", f"`{e.value}`", some(e.files)) for e in d.endpoints_removed])
    for title, changes in (("Extensions", d.extensions), ("Native binaries", d.binaries), ("Other files", d.files)):
        out += _md_table(title, ("change", "path", "detail"), [(f.kind, f"`{f.path}`", _file_note(f)) for f in changes])
    out += _md_table("Hostile or unreadable entries new in NEW", ("kind", "path", "message"),
                     [(p.kind, f"`{p.path}`" if p.path else "(archive)", p.message) for p in d.new_problems])
    return "\n".join(out) + "\n"
