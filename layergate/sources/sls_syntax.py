"""The Serverless Framework variable syntax: ``${source(params):address, fallback, ...}``.

Follows the framework's own parser (lib/configuration/variables/parse.js, v3): a source type starts
with a lower-case letter; ``${AWS::Region}`` and other "foreign" forms are CloudFormation's and left
alone (variables nested inside them still count); fallbacks are further sources, quoted strings or
the literals ``true``, ``false``, ``null`` and numbers. An unquoted word as a fallback is an error there
too. Addresses and parameters may hold nested variables. As a leniency for configurations written for
v2, a fallback may also be a whole ``${...}`` variable.
"""

from __future__ import annotations

import json

from layergate.records import dataclass, field

_TYPE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
MAX_NESTING = 32  # variables inside variables inside ...; real configurations nest two or three deep

Literal = str | int | float | bool | None


class VariableSyntaxError(ValueError):
    """A string whose ``${...}`` the framework would reject; the message says what and where."""


@dataclass(frozen=True, slots=True)
class Text:
    """An address or parameter as written, with the variables nested in it (offsets into ``text``)."""

    text: str
    variables: tuple[Variable, ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    type: str
    params: tuple[Text | Literal, ...] | None = None  # None: no parentheses
    address: Text | None = None


@dataclass(frozen=True, slots=True)
class Const:
    """A literal fallback: ``'dev'``, ``3``, ``true``, ``null``."""

    value: Literal
    start: int = field(default=-1, compare=False)  # offset in the string that was parsed


@dataclass(frozen=True, slots=True)
class Variable:
    text: str  # the whole ``${...}`` as written
    start: int
    end: int
    sources: tuple[Source | Const | Variable, ...]


def find_variables(value: str) -> tuple[Variable, ...]:
    """Every top-level variable in ``value``, in order. Raises VariableSyntaxError."""
    return tuple(_Parser(value).scan(0, len(value)))


def has_variable(value: str) -> bool:
    return "${" in value and bool(find_variables(value))


class _Parser:
    def __init__(self, value: str) -> None:
        self.s = value
        self.depth = 0

    def fail(self, what: str, at: int) -> VariableSyntaxError:
        return VariableSyntaxError(f"{what} at index {at} in {self.s!r}")

    def scan(self, i: int, end: int) -> list[Variable]:
        """Variables between i and end, skipping text (backslash escapes the next character)."""
        s, out = self.s, list[Variable]()
        while i < end:
            c = s[i]
            if c == "\\":
                i += 2
            elif c == "$" and s.startswith("${", i):
                found, i = self.variable(i)
                out.extend(found)
            else:
                i += 1
        return out

    def variable(self, start: int) -> tuple[list[Variable], int]:
        """Parse the ``${`` at ``start``: ([the variable] or variables nested in a foreign one, next index)."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.fail(f"variables nested more than {MAX_NESTING} deep", start)
        try:
            s, i = self.s, start + 2
            j = self.type_end(i)
            if j == i or j >= len(s) or s[j] not in ":(" or s.startswith("::", j):
                return self.foreign(i)
            sources: list[Source | Const | Variable] = []
            i = self.source(i, sources)
            while True:
                i = self.skip(i)
                if i >= len(s):
                    raise self.fail("missing closing '}'", start)
                if s[i] == "}":
                    end = i + 1
                    return [Variable(s[start:end], start, end, tuple(sources))], end
                if s[i] != ",":
                    raise self.fail("expected ',' or '}'", i)
                i = self.fallback(self.skip(i + 1), sources)
        finally:
            self.depth -= 1

    def foreign(self, i: int) -> tuple[list[Variable], int]:
        """``${AWS::Region}`` and the like: not ours, but a variable nested in it is."""
        s, found = self.s, list[Variable]()
        while i < len(s):
            if s[i] == "}":
                return found, i + 1
            if s.startswith("${", i):
                inner, i = self.variable(i)
                found.extend(inner)
            else:
                i += 1
        return found, len(s)  # an unterminated foreign ${ is plain text to the framework

    def type_end(self, i: int) -> int:
        """End of a source type at i (a lower-case letter, then letters, digits, '.' or '-'), or i."""
        s = self.s
        if i >= len(s) or not ("a" <= s[i] <= "z"):
            return i
        j = i + 1
        while j < len(s) and s[j] in _TYPE_CHARS:
            j += 1
        return j

    def skip(self, i: int) -> int:
        while i < len(self.s) and self.s[i] in " \t":
            i += 1
        return i

    def source(self, i: int, sources: list[Source | Const | Variable]) -> int:
        """A typed source at i (``type:address`` or ``type(params)[:address]``); returns the index after it."""
        s = self.s
        j = self.type_end(i)
        if j == i or j >= len(s) or s[j] not in ":(":
            raise self.fail("invalid variable source", i)
        kind = s[i:j]
        params: tuple[Text | Literal, ...] | None = None
        if s[j] == "(":
            params, j = self.params(j + 1)
            j = self.skip(j)
            if j < len(s) and s[j] in "},":
                sources.append(Source(kind, params))
                return j
            if j >= len(s) or s[j] != ":":
                raise self.fail("expected ':' before the address", j)
        address, j = self.address(self.skip(j + 1))
        sources.append(Source(kind, params, address))
        return j

    def fallback(self, i: int, sources: list[Source | Const | Variable]) -> int:
        s = self.s
        if i >= len(s):
            raise self.fail("missing closing '}'", i)
        c = s[i]
        if c in "'\"":
            at = i
            text, i = self.quoted(i)
            sources.append(Const(text, at))
            i = self.skip(i)
            if i < len(s) and s[i] != "}":
                raise self.fail("a quoted fallback must be the last", i)
            return i
        if s.startswith("${", i):
            at = i
            found, i = self.variable(i)
            if len(found) != 1 or found[0].start != at:
                raise self.fail("invalid variable fallback", at)
            sources.append(found[0])
            return i
        j = i
        while j < len(s) and s[j] not in ":(,}":
            j += 1
        if j < len(s) and s[j] in ":(":
            return self.source(i, sources)
        word = s[i:j].strip()
        literal = _literal(word)
        if literal is _NOT_LITERAL:
            raise self.fail(f"fallback {word!r} is neither a source nor a literal (quote a string: '{word}')", i)
        sources.append(Const(literal, i))  # type: ignore[arg-type]
        return j

    def quoted(self, i: int) -> tuple[str, int]:
        s, quote = self.s, self.s[i]
        j = i + 1
        while j < len(s) and s[j] != quote:
            j += 2 if (quote == '"' and s[j] == "\\") else 1
        if j >= len(s):
            raise self.fail("unterminated quoted string", i)
        raw = s[i : j + 1]
        if quote == "'":
            return raw[1:-1], j + 1
        try:
            return str(json.loads(raw)), j + 1
        except ValueError:
            raise self.fail("invalid string literal", i) from None

    def address(self, i: int) -> tuple[Text | None, int]:
        s = self.s
        if i < len(s) and s[i] in "},":
            return None, i
        if i < len(s) and s[i] in "'\"":
            text, j = self.quoted(i)
            return Text(text), self.skip(j)
        j, nested = self.raw_until(i, "},", forbid=":")
        return Text(s[i:j].strip(), nested), j

    def params(self, i: int) -> tuple[tuple[Text | Literal, ...], int]:
        s, out = self.s, list[Text | Literal]()
        while True:
            i = self.skip(i)
            if i >= len(s):
                raise self.fail("missing ')'", i)
            if s[i] == ")":
                return tuple(out), i + 1
            if s[i] == ",":
                out.append(None)
                i += 1
                continue
            if s[i] in "'\"":
                text, i = self.quoted(i)
                out.append(Text(text))
                i = self.skip(i)
            else:
                j, nested = self.raw_until(i, "),")
                raw = s[i:j].strip()
                lit = _literal(raw) if not nested else _NOT_LITERAL
                out.append(Text(raw, nested) if lit is _NOT_LITERAL else lit)  # type: ignore[arg-type]
                i = j
            if i >= len(s) or s[i] not in "),":
                raise self.fail("invalid variable parameter", i)
            if s[i] == ",":
                i += 1

    def raw_until(self, i: int, stops: str, forbid: str = "") -> tuple[int, tuple[Variable, ...]]:
        """Scan plain text up to one of ``stops``; nested variables are parsed (offsets made relative)."""
        s, start, nested = self.s, i, list[Variable]()
        while i < len(s) and s[i] not in stops:
            if s.startswith("${", i):
                found, j = self.variable(i)
                nested.extend(_shift(v, -start) for v in found)
                i = j
                continue
            if s[i] in forbid or (s[i] == "}" and "}" not in stops):
                raise self.fail(f"invalid character {s[i]!r}", i)
            i += 1
        if i >= len(s):
            raise self.fail("missing closing '}'", start)
        # Offsets are relative to the stripped text, as the resolver substitutes into it.
        lead = len(s[start:i]) - len(s[start:i].lstrip())
        return i, tuple(_shift(v, -lead) for v in nested)


_NOT_LITERAL = object()


def _literal(word: str) -> object:
    if word in ("true", "false"):
        return word == "true"
    if word == "null":
        return None
    try:
        return int(word)
    except ValueError:
        pass
    try:
        return float(word) if word and word[0] in "+-.0123456789" else _NOT_LITERAL
    except ValueError:
        return _NOT_LITERAL


def _shift(v: Variable, by: int) -> Variable:
    return Variable(v.text, v.start + by, v.end + by, v.sources)
