"""Moving layer version numbers in the text of every file that names them.

A reference is found as the tail of a layer version ARN, ``:<account>:layer:<name>:<version>``, whole or as
the last piece of a ``Fn::Join``, with the region written out, as a variable (``${AWS::Region}``,
``${var.region}``, ``${self:provider.region}``) or left to another piece; a ``Fn::Join`` that splits the
version off into a piece of its own is read by ``joins``. Only the digits of the version
are replaced, so quoting, comments, indentation, line endings and a BOM stay exactly as they were, in
any format (YAML flow or block, JSON, TOML, HCL). Occurrences inside comments are left alone.

An ARN whose region is a variable serves every deploy region; it moves only when every region it serves
moves to the same version, otherwise it is refused with the reason (nothing is rewritten by guess).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from layergate.arn import LayerArn
from layergate.records import dataclass

# The tail of a layer version ARN, with what stands before it when present.
ARN_TAIL = re.compile(
    r"(?:arn:(?:[\w-]+|\$\{[^}\n]*\}):lambda:(?P<region>\$\{[^}\n]*\}|[a-z0-9-]*))?"
    r":(?P<account>\d{12}):layer:(?P<name>[A-Za-z0-9_-]+):(?P<version>\d+)(?![\w.-])"
)
_LITERAL_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d")

Key = tuple[str, str, int]  # account, layer name, version


@dataclass(frozen=True, slots=True)
class Move:
    """Layer version ``old`` (in its region) becomes version ``new``."""

    old: LayerArn
    new: int

    @property
    def key(self) -> Key:
        assert self.old.version is not None
        return (self.old.account, self.old.name, self.old.version)


@dataclass(frozen=True, slots=True)
class Change:
    file: str
    line: int
    column: int  # of the first version digit
    move: Move | None  # None when the ARN serves several regions that all move alike
    key: Key
    new: int


@dataclass(frozen=True, slots=True)
class Refusal:
    file: str
    line: int
    column: int
    key: Key
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.reason}"


@dataclass(frozen=True, slots=True)
class FileEdit:
    path: str
    original: bytes
    new: bytes
    changes: tuple[Change, ...]

    def diff(self) -> str:
        old = self.original.decode("utf-8").splitlines(keepends=True)
        new = self.new.decode("utf-8").splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, fromfile=f"a/{self.path}", tofile=f"b/{self.path}"))


@dataclass(frozen=True, slots=True)
class Rewrite:
    edits: tuple[FileEdit, ...]
    refusals: tuple[Refusal, ...]


def rewrite(files: Iterable[str], moves: Sequence[Move], referenced: Mapping[Key, frozenset[str]]) -> Rewrite:
    """The new text of every file in ``files`` that names a moved version.

    ``referenced`` gives, per (account, name, version), every region where the scan saw it used: an ARN
    whose region is a variable may only move when all of them move to the same version.
    """
    by_key: dict[Key, dict[str, Move]] = {}
    for m in moves:
        by_key.setdefault(m.key, {})[m.old.region] = m
    edits: list[FileEdit] = []
    refusals: list[Refusal] = []
    for path in files:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            continue  # a file that vanished names nothing; the coverage check reports a reference left over
        if not any(name.encode() in data for (_a, name, _v) in by_key):
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        edit = _rewrite_text(path, data, text, by_key, referenced, refusals)
        if edit is not None:
            edits.append(edit)
    return Rewrite(tuple(edits), tuple(refusals))


@dataclass(frozen=True, slots=True)
class _Site:
    """Version digits ``text[start:end]`` of a layer version ARN, found by the tail regex or in a join."""

    start: int
    end: int
    region: str
    key: Key
    shown: str  # the ARN as the refusal names it
    refusal: str = ""  # a join whose version is a parameter: refused with this reason


def _sites(path: str, text: str, comments: str, wanted: Mapping[Key, object]) -> Iterator[_Site]:
    from layergate.rewrite import joins

    found = []
    for m in ARN_TAIL.finditer(text):
        key = (m["account"], m["name"], int(m["version"]))
        if key in wanted and not _in_comment(text, m.start(), comments):
            found.append(_Site(m.start("version"), m.end("version"), m["region"] or "", key, m.group(0).lstrip(":")))
    if "Join" not in text or path.lower().endswith((".toml", ".tf", ".tfvars", ".hcl")):
        yield from found
        return
    for j in joins.find(path, text):
        if isinstance(j, joins.Joined):
            found.append(_Site(j.start, j.end, j.region, (j.account, j.name, j.version), j.shown))
        else:
            found.append(_Site(j.start, j.start, "", (j.account, j.name, j.version), "", j.reason))
    yield from sorted(found, key=lambda x: x.start)


def _rewrite_text(path: str, data: bytes, text: str, by_key: Mapping[Key, Mapping[str, Move]],
                  referenced: Mapping[Key, frozenset[str]], refusals: list[Refusal]) -> FileEdit | None:
    comments = _comment_style(path)
    pieces: list[str] = []
    changes: list[Change] = []
    last = 0
    counted, line = 0, 1  # lines are counted incrementally: counting from the start each time is quadratic
    for site in _sites(path, text, comments, by_key):
        regions = by_key.get(site.key)
        if regions is None:
            continue
        line += text.count("\n", counted, site.start)
        counted = site.start
        column = site.start - (text.rfind("\n", 0, site.start) + 1) + 1
        if site.refusal:
            refusals.append(Refusal(path, line, column, site.key, site.refusal))
            continue
        if _LITERAL_REGION.fullmatch(site.region):
            move = regions.get(site.region)
            if move is None:
                continue  # this region's version does not move
            new = move.new
        else:
            targets = {r: mv.new for r, mv in regions.items()}
            staying = sorted(referenced.get(site.key, frozenset()) - set(targets))
            if len(set(targets.values())) > 1 or staying:
                said = ", ".join(f"{r} -> {v}" for r, v in sorted(targets.items()))
                said += "".join(f", {r} stays" for r in staying)
                refusals.append(Refusal(path, line, column, site.key,
                                        f"{site.shown} is used in several regions that do not all "
                                        f"move to the same version ({said}); pass --to, or write the ARN per region"))
                continue
            move, new = None, next(iter(targets.values()))
        pieces.append(text[last:site.start])
        pieces.append(str(new))
        last = site.end
        changes.append(Change(path, line, column, move, site.key, new))
    if not changes:
        return None
    pieces.append(text[last:])
    new_text = "".join(pieces)
    # Only the digits changed; the BOM and line endings are in ``text`` and come back unchanged.
    return FileEdit(path, data, new_text.encode("utf-8"), tuple(changes))


def _comment_style(path: str) -> str:
    """"#" for YAML, TOML and HCL; "#//" for HCL, which also knows // comments; "" for JSON."""
    name = os.path.basename(path).lower()
    if name.endswith((".json", ".template")):
        return ""
    if name.endswith((".tf", ".tfvars", ".hcl")):
        return "#//"
    return "#"


def _in_comment(text: str, index: int, style: str) -> bool:
    """Whether ``index`` lies after a comment marker on its line (outside quotes)."""
    if not style:
        return False
    start = text.rfind("\n", 0, index) + 1
    quote = ""
    i = start
    while i < index:
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c in "\"'":
            # In YAML a quote inside a plain word (it's) does not open a string.
            if c == '"' or i == start or text[i - 1] in " \t[{,:=(":
                quote = c
        elif (c == "#" and (i == start or text[i - 1] in " \t")) or ("//" in style and text.startswith("//", i)):
            return True
        i += 1
    return False
