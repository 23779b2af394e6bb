"""Applying the edits: every file's new text computed and checked first, then all written or none.

Each file is written atomically (temporary file and rename); when one write fails, the files already
written are put back. Before anything is written, each new text must still parse, so a rewrite can never
leave a template that no longer reads.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence

from layergate.errors import InputError
from layergate.fix import sites
from layergate.fix.plan import Edit
from layergate.records import dataclass


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str
    original: bytes
    new: bytes

    def diff(self) -> str:
        old = self.original.decode("utf-8-sig").splitlines(keepends=True)
        new = self.new.decode("utf-8-sig").splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, fromfile=f"a/{self.path}", tofile=f"b/{self.path}"))


def changes(edits: Sequence[Edit], read: Callable[[str], sites.Source]) -> list[FileChange]:
    """The new bytes of every file ``edits`` touch (the same edit made twice counts once)."""
    by_file: dict[str, set[Edit]] = {}
    for e in edits:
        by_file.setdefault(e.file, set()).add(e)
    out = []
    for path in sorted(by_file):
        src = read(path)
        text: list[str] = []
        last = 0
        for e in sorted(by_file[path], key=lambda e: (e.start, e.end)):
            if e.start < last:
                raise InputError("two fixes overlap in this file; nothing was written", path)
            text.extend((src.text[last:e.start], e.new))
            last = e.end
        text.append(src.text[last:])
        new_text = "".join(text)
        _still_parses(path, new_text, src)
        out.append(FileChange(path, src.data, src.encode(new_text)))
    return out


def _still_parses(path: str, text: str, src: sites.Source) -> None:
    try:
        if src.root is not None:
            sites.parse(text, path, src.json)
        elif path.lower().endswith(".tf"):
            import hcl2

            hcl2.loads(text)
    except Exception as exc:  # a fix that breaks the file is a bug: refuse to write it
        raise InputError(f"the fixed text would no longer parse ({exc}); nothing was written", path) from None


def write_all(files: Sequence[FileChange]) -> None:
    from layergate.atomicfile import replace_if_unchanged

    written: list[FileChange] = []
    try:
        for f in files:
            replace_if_unchanged(f.path, f.original, f.new)
            written.append(f)
    except BaseException:
        for f in reversed(written):
            replace_if_unchanged(f.path, f.new, f.original)
        raise
