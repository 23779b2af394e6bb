"""What changed from one layer version to the next, in the terms a reviewer asks about.

Packages are matched by ecosystem and name (Python names normalized as pip does), so an upgrade is one
line, not a removed and an added package. A package whose version stayed the same while its files
changed is reported as ``changed``: that is what tampering looks like. Files are then split so each is
said once where it matters: extensions, native binaries, and the other files that no package owns.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from layergate.layer.archive import Problem
from layergate.layer.inventory import Endpoint, FileEntry, LayerContents
from layergate.layer.packages import Package
from layergate.records import dataclass


@dataclass(frozen=True, slots=True)
class PackageChange:
    kind: str  # "added", "removed", "upgraded", "downgraded", "changed" (same version, other files)
    ecosystem: str
    name: str  # group:artifact for Maven
    old_version: str | None
    new_version: str | None
    path: str  # in NEW (in OLD for a removed package)
    changed_files: tuple[str, ...] = ()  # owned files added, removed or changed


@dataclass(frozen=True, slots=True)
class FileChange:
    kind: str  # "added", "removed", "changed"
    path: str
    old: FileEntry | None
    new: FileEntry | None
    detail: str = ""  # what the file is (ELF facts, extension kind), in NEW when it exists


SUMMARY_KEYS = (
    "packages_added", "packages_removed", "packages_upgraded", "packages_downgraded", "packages_changed",
    "endpoints_added", "endpoints_removed",
    "extensions_added", "extensions_removed", "extensions_changed",
    "binaries_added", "binaries_removed", "binaries_changed",
    "files_added", "files_removed", "files_changed",
)


@dataclass(frozen=True, slots=True)
class LayerDiff:
    old: LayerContents
    new: LayerContents
    packages: tuple[PackageChange, ...]
    endpoints_added: tuple[Endpoint, ...]
    endpoints_removed: tuple[Endpoint, ...]
    extensions: tuple[FileChange, ...]
    binaries: tuple[FileChange, ...]
    files: tuple[FileChange, ...]  # files that are neither package, extension nor native binary
    new_problems: tuple[Problem, ...]  # hostile entries in NEW that OLD did not have

    @property
    def identical(self) -> bool:
        return _state(self.old.files) == _state(self.new.files)

    def counts(self) -> dict[str, int]:
        """The summary, in the order it is printed."""
        counts: dict[str, int] = defaultdict(int)
        for change in self.packages:
            counts[f"packages_{change.kind}"] += 1
        counts["endpoints_added"] = len(self.endpoints_added)
        counts["endpoints_removed"] = len(self.endpoints_removed)
        for section, changes in (("extensions", self.extensions), ("binaries", self.binaries), ("files", self.files)):
            for f in changes:
                counts[f"{section}_{f.kind}"] += 1
        return {key: counts[key] for key in SUMMARY_KEYS}


def _state(files: Iterable[FileEntry]) -> dict[str, tuple[str, int | None, bool]]:
    return {f.path: (f.sha256, f.mode, f.symlink) for f in files}


def diff_layers(old: LayerContents, new: LayerContents) -> LayerDiff:
    old_files, new_files = _state(old.files), _state(new.files)
    by_path_old = {f.path: f for f in old.files}
    by_path_new = {f.path: f for f in new.files}
    changed = {p for p in old_files.keys() | new_files.keys() if old_files.get(p) != new_files.get(p)}

    def file_changes(paths: Iterable[str], detail: Mapping[str, str]) -> tuple[FileChange, ...]:
        out = []
        for path in sorted(paths):
            before, after = by_path_old.get(path), by_path_new.get(path)
            kind = "added" if before is None else "removed" if after is None else "changed"
            out.append(FileChange(kind, path, before, after, detail.get(path, "")))
        return tuple(out)

    ext_detail = {e.path: e.detail for e in old.extensions} | {e.path: e.detail for e in new.extensions}
    bin_detail = {b.path: b.elf.describe() for b in old.binaries} | {b.path: b.elf.describe() for b in new.binaries}
    owned = {f for pkg in (*old.packages, *new.packages) for f in pkg.files}
    others = changed - ext_detail.keys() - bin_detail.keys() - owned
    old_endpoints = {e.value: e for e in old.endpoints}
    new_endpoints = {e.value: e for e in new.endpoints}
    old_problems = {(p.kind, p.path) for p in old.problems}
    return LayerDiff(
        old=old,
        new=new,
        packages=tuple(_package_changes(old.packages, new.packages, changed)),
        endpoints_added=tuple(e for v, e in sorted(new_endpoints.items()) if v not in old_endpoints),
        endpoints_removed=tuple(e for v, e in sorted(old_endpoints.items()) if v not in new_endpoints),
        extensions=file_changes(changed & ext_detail.keys(), ext_detail),
        binaries=file_changes(changed & bin_detail.keys(), bin_detail),
        files=file_changes(others, {}),
        new_problems=tuple(p for p in new.problems if (p.kind, p.path) not in old_problems),
    )


def _package_changes(old: Sequence[Package], new: Sequence[Package], changed: set[str]) -> list[PackageChange]:
    old_by_key: dict[tuple[str, str, str], list[Package]] = defaultdict(list)
    new_by_key: dict[tuple[str, str, str], list[Package]] = defaultdict(list)
    for pkg in old:
        old_by_key[pkg.key].append(pkg)
    for pkg in new:
        new_by_key[pkg.key].append(pkg)
    out: list[PackageChange] = []
    for key in sorted(old_by_key.keys() | new_by_key.keys()):
        before, after = list(old_by_key.get(key, [])), list(new_by_key.get(key, []))
        pairs: list[tuple[Package, Package]] = []
        if len(before) == 1 and len(after) == 1:
            pairs.append((before.pop(), after.pop()))
        else:  # several copies (nested node_modules): pair those at the same place
            for a in list(before):
                match = next((b for b in after if b.path == a.path), None)
                if match is not None:
                    before.remove(a)
                    after.remove(match)
                    pairs.append((a, match))
            if len(before) == 1 and len(after) == 1:
                pairs.append((before.pop(), after.pop()))
        for a, b in pairs:
            files = tuple(sorted(changed & (set(a.files) | set(b.files))))
            if a.version != b.version:
                order = compare_versions(a.version, b.version)
                kind = "upgraded" if order < 0 else "downgraded" if order > 0 else "changed"
            elif files:
                kind = "changed"
            else:
                continue
            out.append(PackageChange(kind, b.ecosystem, _name(b), a.version, b.version, b.path, files))
        out.extend(PackageChange("removed", a.ecosystem, _name(a), a.version, None, a.path) for a in before)
        out.extend(PackageChange("added", b.ecosystem, _name(b), None, b.version, b.path) for b in after)
    return out


def _name(pkg: Package) -> str:
    return f"{pkg.group}:{pkg.name}" if pkg.group else pkg.name


_TOKEN = re.compile(r"\d+|[a-z]+")
_PRE_RELEASE = {"dev": 0, "a": 1, "alpha": 1, "b": 2, "beta": 2, "c": 3, "rc": 3, "pre": 3, "preview": 3}


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1. Numbers compare as numbers, pre-release tags (dev, alpha, beta, rc) sort before the
    release they lead to, local/build suffixes (``+...``) are ignored. Covers PEP 440, semver and Maven
    versions in their common forms; an unknown word sorts after a number-less end (``1.0-final``)."""
    ta = _TOKEN.findall(a.lower().split("+", 1)[0])
    tb = _TOKEN.findall(b.lower().split("+", 1)[0])
    for x, y in zip(ta, tb, strict=False):
        if x == y:
            continue
        if x.isdigit() and y.isdigit():
            if int(x) != int(y):
                return -1 if int(x) < int(y) else 1
            continue  # 01 == 1
        if x.isdigit() != y.isdigit():
            return 1 if x.isdigit() else -1  # 1.0.1 > 1.0rc1
        rx, ry = _PRE_RELEASE.get(x), _PRE_RELEASE.get(y)
        if rx is not None and ry is not None:
            if rx != ry:
                return -1 if rx < ry else 1
            continue  # a == alpha
        return -1 if x < y else 1
    if len(ta) == len(tb):
        return 0
    longer, sign = (tb, -1) if len(tb) > len(ta) else (ta, 1)
    following = longer[min(len(ta), len(tb))]
    # "1.0" vs "1.0rc1": the release is newer; "1.0" vs "1.0.1" or "1.0.post1": the longer one is
    return -sign if following in _PRE_RELEASE else sign
