"""Native binaries and extensions of a layer, from entry names and the first bytes of each file.

This is what ``check`` (LG601, LG602) needs about layer content committed to the repository: no hashing,
no endpoint scan, no package metadata, so it stays fast and imports little. ``content_survey`` caches
one survey per path, since both rules ask about the same content.
"""

from __future__ import annotations

import functools
import os
import zipfile

from layergate.errors import InputError
from layergate.layer.archive import REFUSING, Member, Problem, Unreadable, open_layer
from layergate.layer.binaries import ElfInfo, describe_executable, elf_info
from layergate.layer.limits import DEFAULT_LIMITS, Limits
from layergate.records import dataclass

EXTENSIONS_DIR = "extensions/"
HEAD_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Binary:
    path: str
    elf: ElfInfo
    sha256: str  # "" in a survey


@dataclass(frozen=True, slots=True)
class Extension:
    path: str  # extensions/<name>: Lambda starts it as its own process
    kind: str  # "elf", "script", "symlink", "unknown"
    detail: str  # "ELF 64-bit executable, x86_64", "script run by /bin/bash"
    executable: bool | None  # None when the archive records no permissions
    sha256: str  # "" in a survey

    @property
    def started(self) -> bool:
        """Lambda starts it unless it is known not to be executable."""
        return self.executable is not False


def is_extension(path: str) -> bool:
    """Lambda starts the files directly in /opt/extensions, not those in its subdirectories."""
    return path.startswith(EXTENSIONS_DIR) and "/" not in path[len(EXTENSIONS_DIR):]


def extension(member: Member, head: bytes, sha256: str) -> Extension:
    if member.symlink:
        kind, detail = "symlink", f"symbolic link to {head.decode('utf-8', 'replace')}"
    else:
        kind, detail = describe_executable(head)
    executable = None if member.mode is None else bool(member.mode & 0o111)
    return Extension(member.path, kind, detail, executable, sha256)


@dataclass(frozen=True, slots=True)
class Survey:
    binaries: tuple[Binary, ...]
    extensions: tuple[Extension, ...]
    problems: tuple[Problem, ...]
    unread: str  # why some content was not read ("" when everything was)


def survey(path: str, limits: Limits = DEFAULT_LIMITS) -> Survey:
    """Native binaries and extensions of a layer .zip or directory. Raises ``InputError``."""
    binaries: list[Binary] = []
    extensions: list[Extension] = []
    with open_layer(path, limits) as layer:
        problems = list(layer.problems)
        if layer.refused:
            return Survey((), (), tuple(problems), "; ".join(p.message for p in problems if p.kind in REFUSING))
        unread = []
        for member in layer.members:
            try:
                head = layer.head(member, HEAD_BYTES)
            except Unreadable as exc:
                problems.append(Problem(exc.kind, member.path, exc.message))
                unread.append(f"{member.path}: {exc.message}")
                continue
            if not member.symlink and (info := elf_info(head)) is not None:
                binaries.append(Binary(member.path, info, ""))
            if is_extension(member.path):
                extensions.append(extension(member, head, ""))
    return Survey(tuple(binaries), tuple(extensions), tuple(problems), "; ".join(unread))


@functools.lru_cache(maxsize=256)
def content_survey(path: str) -> Survey | None:
    """The survey of local layer content, or None when ``path`` is a plain file that is no layer at all
    (a requirements.txt a plugin builds a layer from). Content that cannot be read is a survey whose
    ``unread`` says why, so a rule reports it instead of passing it."""
    if os.path.isfile(path) and not zipfile.is_zipfile(path):
        return Survey((), (), (), "not a readable zip archive") if path.lower().endswith(".zip") else None
    try:
        return survey(path)
    except InputError as exc:
        return Survey((), (), (), exc.message)
