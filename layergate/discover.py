"""Walking the paths a user names, applying excludes, and deciding which format reads each file.

Explicitly named files are always sniffed; in directory walks only files whose names can hold
infrastructure code are opened (see ``CANDIDATE_SUFFIXES``). Symlinked directories are followed, but a
link that leads back into one of its own ancestors is a loop and ends the run with one line.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from types import ModuleType

from layergate import sources
from layergate.errors import InputError
from layergate.records import dataclass

CANDIDATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
CANDIDATE_NAMES = ("serverless.ts", "serverless.js")  # code, never run: reported, not read
MAX_FILES = 200_000  # a walk that sees more files than this is probably not a repository


@dataclass(frozen=True, slots=True)
class Target:
    path: str
    module: ModuleType  # the format module that reads it
    explicit: bool  # named on the command line (errors are never skipped quietly then)


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str


def excluded(path: str, excludes: Sequence[str]) -> bool:
    """A path is excluded when its name or its path (with '/' separators) matches an exclude glob."""
    name = os.path.basename(path.rstrip("/")) or path
    norm = path.replace(os.sep, "/")
    if norm.startswith("./"):
        norm = norm[2:]
    return any(fnmatch.fnmatchcase(name, pat) or fnmatch.fnmatchcase(norm, pat) for pat in excludes)


def read_head(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            data = fh.read(sources.HEAD_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    return data.decode("utf-8", errors="replace")


def _detect_file(path: str) -> ModuleType | None:
    head = read_head(path)
    for name in sources.FORMAT_MODULES:
        module = sources.module(name)
        if module.detect(path, head):
            return module
    return None


def _detect_dir(path: str) -> ModuleType | None:
    for name in sources.DIRECTORY_FORMAT_MODULES:
        module = sources.module(name)
        if module.detect_dir(path):
            return module
    return None


def discover(paths: Sequence[str], excludes: Sequence[str]) -> tuple[list[Target], list[Skipped]]:
    targets: list[Target] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for path in paths:
        if not os.path.exists(path):
            raise InputError("no such file or directory", path)
        if os.path.isdir(path):
            module = _detect_dir(path)
            if module is not None:
                targets.append(Target(path, module, explicit=True))
                continue
            for file_path, dir_module in _walk(path, excludes):
                real = os.path.realpath(file_path)
                if real in seen:
                    continue
                seen.add(real)
                if dir_module is not None:
                    targets.append(Target(file_path, dir_module, explicit=False))
                    continue
                file_module = _detect_file(file_path)
                if file_module is None:
                    skipped.append(Skipped(file_path, "not a template, configuration or plan"))
                else:
                    targets.append(Target(file_path, file_module, explicit=False))
        else:
            real = os.path.realpath(path)
            if real in seen:
                continue
            seen.add(real)
            module = _detect_file(path)
            if module is None:
                skipped.append(Skipped(path, "not a template, configuration or plan"))
            else:
                targets.append(Target(path, module, explicit=True))
    return targets, skipped


def _walk(top: str, excludes: Sequence[str]) -> Iterator[tuple[str, ModuleType | None]]:
    """Files under ``top`` worth sniffing, and directories that are a format of their own (CDK assemblies)."""
    count = 0
    # Each stack entry carries the real paths of its ancestors, so a link back into them is seen.
    stack: list[tuple[str, tuple[str, ...]]] = [(top, ())]
    while stack:
        directory, ancestors = stack.pop()
        real = os.path.realpath(directory)
        if real in ancestors:
            raise InputError(f"directory loop: a symbolic link leads back to {real!r}", directory)
        lineage = (*ancestors, real)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            raise InputError(f"cannot read directory: {exc.strerror or exc}", directory) from None
        subdirs: list[str] = []
        for entry in entries:
            child = os.path.join(directory, entry.name) if directory != "." else entry.name
            if excluded(child, excludes):
                continue
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError:
                continue
            if is_dir:
                module = _detect_dir(child)
                if module is not None:
                    yield child, module
                else:
                    subdirs.append(child)
            elif entry.name.endswith(CANDIDATE_SUFFIXES) or entry.name in CANDIDATE_NAMES:
                count += 1
                if count > MAX_FILES:
                    raise InputError(f"more than {MAX_FILES:,} candidate files; name fewer paths", top)
                yield child, None
        stack.extend((d, lineage) for d in reversed(subdirs))
