"""Finding blocks and attributes in ``.tf`` text, for line and column numbers.

python-hcl2 returns values without positions, so positions come from the text itself: a copy of the
text with strings, heredocs and comments blanked (same length, newlines kept) lets plain regular
expressions and brace counting find structure without being fooled by a ``{`` inside a string.
"""

from __future__ import annotations

import re

from layergate.records import dataclass

_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")


def mask(text: str) -> str:
    """``text`` with the inside of strings, heredocs and comments replaced by spaces."""
    out = list(text)
    i, n = 0, len(text)

    def blank(start: int, end: int) -> None:
        for j in range(start, min(end, n)):
            if out[j] != "\n":
                out[j] = " "

    while i < n:
        ch = text[i]
        if ch == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            blank(i, end)
        elif ch == "<" and (m := _HEREDOC.match(text, i)):
            close = re.compile(rf"(?m)^[ \t]*{re.escape(m[1])}[ \t\r]*$").search(text, m.end())
            end = n if close is None else close.end()
            blank(i, end)
        elif ch == '"':
            end = _string_end(text, i)
            blank(i + 1, end - 1)
        else:
            end = i + 1
        i = end
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    """Index after the quoted string at ``start`` (templates may nest strings inside ``${ }``)."""
    n = len(text)
    i = start + 1
    depth = 0  # braces open inside a ${ } of this string
    while i < n:
        ch = text[i]
        if depth == 0:
            if ch == "\\":
                i += 2
                continue
            if ch in '"\n':  # HCL strings do not span lines: stop at an unterminated one
                break
            if text.startswith(("${", "%{"), i):
                depth = 1
                i += 2
                continue
        elif ch == '"':
            i = _string_end(text, i)
            continue
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        i += 1
    return min(i + 1, n)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


def find_block(text: str, masked: str, block_type: str, labels: tuple[str, ...], start: int = 0) -> Span | None:
    """The body (between the braces) of the first ``block_type "label" ... {`` from ``start``, or None."""
    pattern = re.compile(rf"(?m)^[ \t]*{re.escape(block_type)}" + "".join(
        rf"[ \t]+\"?{re.escape(label)}\"?" for label in labels
    ) + r"[ \t]*\{")
    for match in pattern.finditer(text, start):
        brace = match.end() - 1
        if masked[brace] != "{" or masked[match.start():brace].strip() == "":
            continue  # inside a string or a comment
        end = _matching_brace(masked, brace)
        return Span(brace + 1, end)
    return None


def _matching_brace(masked: str, brace: int) -> int:
    depth = 0
    for i in range(brace, len(masked)):
        ch = masked[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(masked)


def find_attribute(masked: str, body: Span, name: str) -> tuple[int, Span] | None:
    """(offset of the name, span of the value) of ``name = ...`` directly in ``body``, not nested."""
    pattern = re.compile(rf"(?m)^[ \t]*{re.escape(name)}[ \t]*=(?!=)")
    for match in pattern.finditer(masked, body.start, body.end):
        before = masked[body.start:match.start()]
        if before.count("{") != before.count("}"):
            continue
        name_at = match.start() + len(match[0]) - len(match[0].lstrip())
        return name_at, Span(match.end(), _expression_end(masked, match.end(), body.end))
    return None


def _expression_end(masked: str, start: int, limit: int) -> int:
    depth = 0
    for i in range(start, limit):
        ch = masked[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "\n" and depth <= 0 and masked[start:i].strip():
            return i
    return limit


def line_column(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1
