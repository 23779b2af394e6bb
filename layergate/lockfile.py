"""Editing the ``layers:`` list of a policy file in place, changing no byte outside the edited entries.

A YAML round-trip dump re-indents lists, moves comment columns and re-attaches trailing comments to the
wrong entry, so the edit is done on the text instead: the file is composed once (for the position of
every node), new entries are spliced in after the last entry, and changed values replace exactly their
old value's characters. Comments, key order, quoting, indentation, line endings and a BOM all survive.
The result is parsed again and compared with the intended change before anything is written; the write
is atomic (a temporary file renamed over the original) and refused if the file changed meanwhile.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from layergate import yamlnodes
from layergate.arn import try_parse
from layergate.atomicfile import replace_if_unchanged
from layergate.errors import PolicyError
from layergate.records import dataclass
from layergate.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode
from layergate.yamlscalar import Value, as_read, pair, render


@dataclass(frozen=True, slots=True)
class Edit:
    """What to write for one layer version ARN.

    ``values`` are written in order, replacing a value already there; ``defaults`` are written only
    where the entry lacks the key; the lines of the ``remove`` keys are deleted. A new entry gets
    ``arn`` first, then ``values`` and ``defaults`` in order.
    """

    arn: str
    values: tuple[tuple[str, Value], ...]
    defaults: tuple[tuple[str, Value], ...] = ()
    remove: tuple[str, ...] = ()


class LockFile:
    """One policy file, read once; ``edit`` returns the new text and ``write`` stores it."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            with open(path, "rb") as fh:
                self.original = fh.read()
        except OSError as exc:
            raise PolicyError(f"cannot read: {exc.strerror or exc}", path) from None
        try:
            decoded = self.original.decode("utf-8")
        except UnicodeDecodeError:
            raise PolicyError("not UTF-8 text", path) from None
        self.bom = "\ufeff" if decoded.startswith("\ufeff") else ""
        self.text = decoded[len(self.bom):]
        self.newline = "\r\n" if "\r\n" in self.text else "\n"
        root = yamlnodes.parse_yaml(self.text, path)
        if not isinstance(root, MappingNode) or root.flow_style:
            raise PolicyError("lock can only edit a policy written as a YAML block mapping (key: value lines)", path)
        self.root = root
        self.layers = yamlnodes.get(root, "layers")
        self.entries: dict[str, MappingNode] = {}
        if isinstance(self.layers, SequenceNode):
            for item in self.layers.value:
                if not isinstance(item, MappingNode) or item.flow_style:
                    raise PolicyError("lock can only edit layers: entries written as block mappings", path,
                                      *yamlnodes.line_col(item))
                arn = yamlnodes.scalar(yamlnodes.get(item, "arn"))
                if arn is not None:  # keyed as the policy loader keys it: the canonical ARN
                    self.entries.setdefault(_canonical(arn), item)

    def line_of(self, arn: str) -> int:
        entry = self.entries.get(arn)
        return yamlnodes.line_col(entry)[0] if entry is not None else 0

    # -- editing ------------------------------------------------------------------------------------------
    def edit(self, edits: Sequence[Edit]) -> str:
        """The whole new file text (BOM included) with every edit applied."""
        splices: list[tuple[int, int, str]] = []
        new_entries: list[Edit] = []
        for e in edits:
            entry = self.entries.get(e.arn)
            if entry is None:
                new_entries.append(e)
            else:
                splices.extend(self._update(entry, e))
        if new_entries:
            splices.extend(self._append(new_entries))
        text = self.text
        # Back to front, so earlier positions stay valid; at one position, later splices go first so
        # that the text ends up in the order the splices were made.
        order = sorted(range(len(splices)), key=lambda i: (splices[i][0], splices[i][1], i), reverse=True)
        for i in order:
            start, end, replacement = splices[i]
            text = text[:start] + replacement + text[end:]
        self._confirm(text, edits)
        return self.bom + text

    def _update(self, entry: MappingNode, e: Edit) -> list[tuple[int, int, str]]:
        present = {key: value for key, _k, value in yamlnodes.items(entry)}
        splices: list[tuple[int, int, str]] = []
        missing: list[tuple[str, Value]] = []
        for key, value in e.values:
            node = present.get(key)
            if node is None:
                missing.append((key, value))
                continue
            one_line = node.start_mark.line == node.end_mark.line
            if not ((isinstance(node, ScalarNode) and node.style not in ("|", ">") and one_line)
                    or (isinstance(node, MappingNode) and node.flow_style and one_line)):
                raise PolicyError(f"lock can only replace a one-line value of {key!r}", self.path,
                                  *yamlnodes.line_col(node))
            start, end = node.start_mark.index, node.end_mark.index
            text = render(value)
            if not text:  # "key: old" becomes "key:", without a trailing space
                start = len(self.text[:start].rstrip(" \t"))
            elif start == end or self.text[start - 1] == ":":
                text = " " + text
            splices.append((start, end, text))
        for key in e.remove:
            splices.extend(self._delete(entry, key))
        missing.extend((k, v) for k, v in e.defaults if k not in present)
        if missing:
            indent = " " * entry.start_mark.column
            lines = "".join(f"{indent}{pair(k, v)}{self.newline}" for k, v in missing)
            at = self._end_of(entry)
            splices.append((at, at, lines))
        return splices

    def _delete(self, entry: MappingNode, key: str) -> list[tuple[int, int, str]]:
        """Delete the line(s) holding ``key: value`` (with its comment), when nothing else is on them."""
        for k, _k, value in yamlnodes.items(entry):
            if k != key:
                continue
            start = self.text.rfind("\n", 0, _k.start_mark.index) + 1
            if self.text[start:_k.start_mark.index].strip() or _k is entry.value[0][0]:
                raise PolicyError(f"lock can only remove {key!r} when it is on a line of its own after arn",
                                  self.path, *yamlnodes.line_col(_k))
            end = value.end_mark.index
            while end > _k.end_mark.index and self.text[end - 1] in " \t\r\n":
                end -= 1
            return [(start, self._after_line(end), "")]
        return []

    def _append(self, new: Sequence[Edit]) -> list[tuple[int, int, str]]:
        nl = self.newline
        layers = self.layers
        if isinstance(layers, SequenceNode) and layers.value:
            first = layers.value[0]
            dash = self._dash_column(first)
            block = "".join(self._entry_text(e, dash, first.start_mark.column - dash) for e in new)
            at = self._end_of(layers.value[-1])
            return [(at, at, block)]
        dash, offset = self._sequence_style()
        splices: list[tuple[int, int, str]] = []
        if layers is None:
            key_col = self.root.start_mark.column
            at = self._end_of(self.root)
            head = "" if at == 0 or self.text[at - 1] == "\n" else nl
            block = "".join(self._entry_text(e, key_col + dash, offset) for e in new)
            return [(at, at, f"{head}{' ' * key_col}layers:{nl}{block}")]
        empty_flow = isinstance(layers, SequenceNode) and layers.flow_style
        if not (empty_flow or (isinstance(layers, ScalarNode) and layers.tag.endswith(":null"))):
            raise PolicyError("layers: must be a list for lock to add entries to it", self.path,
                              *yamlnodes.line_col(layers))
        key_node = next(k for k, v in self.root.value if v is layers)
        key_col = key_node.start_mark.column
        start, end = layers.start_mark.index, layers.end_mark.index
        line_end = self._line_end(end)
        rest = self.text[end:line_end].rstrip("\r")
        start = len(self.text[:start].rstrip(" \t"))  # "layers: []  # c" becomes "layers:  # c"
        if rest.strip() == "":
            end = end + len(rest)
        splices.append((start, end, ""))
        at = self._after_line(end)
        head = "" if self.text[at - 1:at] == "\n" else nl
        splices.append((at, at, head + "".join(self._entry_text(e, key_col + dash, offset) for e in new)))
        return splices

    def _entry_text(self, e: Edit, dash: int, offset: int) -> str:
        pairs = [("arn", e.arn), *e.values, *((k, v) for k, v in e.defaults if k not in dict(e.values))]
        pad = " " * dash
        lines = [f"{pad}-{' ' * (offset - 1)}{pair(*pairs[0])}"]
        lines.extend(f"{pad}{' ' * offset}{pair(k, v)}" for k, v in pairs[1:])
        return "".join(line + self.newline for line in lines)

    # -- positions ----------------------------------------------------------------------------------------
    def _dash_column(self, item: Node) -> int:
        line_start = self.text.rfind("\n", 0, item.start_mark.index) + 1
        dash = self.text.rfind("-", line_start, item.start_mark.index)
        return dash - line_start if dash >= 0 else max(item.start_mark.column - 2, 0)

    def _sequence_style(self) -> tuple[int, int]:
        """(dash indent relative to its key, key offset after the dash) of the file's first block list."""
        for _key, key_node, value in yamlnodes.items(self.root):
            if isinstance(value, SequenceNode) and not value.flow_style and value.value:
                first = value.value[0]
                dash = self._dash_column(first)
                return dash - key_node.start_mark.column, max(first.start_mark.column - dash, 2)
        return 2, 2

    def _end_of(self, node: Node) -> int:
        """Where text after ``node`` may be inserted: past its last line and the comments indented under it."""
        last = node
        while isinstance(last, MappingNode | SequenceNode) and not last.flow_style and last.value:
            tail = last.value[-1]
            last = tail[1] if isinstance(tail, tuple) else tail
        end = last.end_mark.index
        while end > 0 and self.text[end - 1] in " \t\r\n":
            end -= 1
        at = self._after_line(end)
        column = self._dash_column(node) if node is not self.root else 0
        while at < len(self.text):
            line = self.text[at:self._after_line(at)]
            stripped = line.lstrip(" ")
            if not stripped.startswith("#") or len(line) - len(stripped) <= column:
                break
            at += len(line)
        return at

    def _line_end(self, index: int) -> int:
        nl = self.text.find("\n", index)
        return len(self.text) if nl < 0 else nl

    def _after_line(self, index: int) -> int:
        nl = self.text.find("\n", index)
        return len(self.text) if nl < 0 else nl + 1

    # -- checking and writing -----------------------------------------------------------------------------
    def _confirm(self, text: str, edits: Sequence[Edit]) -> None:
        """Parse the result and check it is the old document plus exactly the intended change."""
        if not edits:
            return
        before = yamlnodes.to_python(self.root)
        after_root = yamlnodes.parse_yaml(text, self.path)
        after = yamlnodes.to_python(after_root) if after_root is not None else None
        expected = dict(before)
        layers = [dict(x) if isinstance(x, dict) else x for x in (expected.get("layers") or [])]
        by_arn: dict[str, dict[str, Any]] = {}
        for x in layers:
            if isinstance(x, dict):
                by_arn.setdefault(_canonical(x.get("arn")), x)
        for e in edits:
            entry = by_arn.get(e.arn)
            if entry is None:
                entry = by_arn[e.arn] = {"arn": e.arn}
                layers.append(entry)
            # What each rendered value must read back as; a rendering that reads back as anything else
            # (a name taken for a number, a date for a timestamp) makes the comparison below fail.
            for key, value in e.values:
                entry[key] = as_read(value)
            for key, value in e.defaults:
                entry.setdefault(key, as_read(value))
            for key in e.remove:
                entry.pop(key, None)
        expected["layers"] = layers
        if after != expected:
            raise PolicyError("could not edit the layers: list safely (the result did not read back as "
                              "intended); nothing was written", self.path)

    def diff(self, new_text: str) -> str:
        old = (self.bom + self.text).splitlines(keepends=True)
        new = new_text.splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, fromfile=self.path, tofile=self.path))

    def write(self, new_text: str) -> None:
        """Replace the file atomically, unless someone changed it since it was read."""
        replace_if_unchanged(self.path, self.original, new_text.encode("utf-8"))

def _canonical(arn: Any) -> str:
    parsed = try_parse(str(arn))
    return str(parsed) if parsed else str(arn).strip()
