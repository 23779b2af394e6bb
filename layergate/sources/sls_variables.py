"""Resolving Serverless Framework variables (``${self:...}``, ``${opt:stage, 'dev'}``, ``${file(...)}``, ...).

Works like the framework's resolver (v3): in place, on demand, sources tried in order until one gives
a value that is not null, variables nested in addresses and parameters first, and a whole-value
variable may yield a list or mapping. What cannot be known offline is not guessed: it becomes an
``Unresolved`` value, DYNAMIC when the deploy decides it (SSM, environment, a stage param not in the
repository) and UNKNOWN when nothing can (another stack's output, the account id, a plugin's source).
A value found only because an earlier source was unset (``${opt:x, 'default'}``) is recorded as the
default of a parameter the deploy can override.

Cycles (``a: ${self:b}``, ``b: ${self:a}``) end the run with one line naming the chain.
"""

from __future__ import annotations

from collections.abc import Sequence

from layergate.errors import InputError
from layergate.model import ResolutionKind
from layergate.records import dataclass
from layergate.sources import ParseOptions
from layergate.sources.sls_files import FileLoader
from layergate.sources.sls_sources import DEPLOY_TIME, HANDLERS, PLUGIN_SOURCES, Absent, unresolved
from layergate.sources.sls_syntax import Const, Source, Text, Variable, VariableSyntaxError, find_variables
from layergate.sources.sls_tree import (
    BUSY,
    DONE,
    RAW,
    Budget,
    Item,
    Unresolved,
    Use,
    Written,
    copy,
    merge_uses,
    scalar_text,
)

MAX_CHAIN = 64  # variables waiting on each other; real configurations need a handful
MAX_STRING = 65_536  # characters a variable may expand to inside a string

DYNAMIC, UNKNOWN = ResolutionKind.DYNAMIC, ResolutionKind.UNKNOWN

@dataclass(frozen=True, slots=True)
class Pass:
    """One evaluation of the configuration: a stage and the ``--region`` the deploy would be given."""

    stage: str | None = None  # as if `--stage` were given; None: the configuration's own default
    stage_source: str = "default"  # "command line", or "params" for a stage the params block names
    region: str | None = None  # as if `--region` were given
    account: str | None = None  # the account the deploy runs in (policy deploy_accounts)


class Resolver:
    def __init__(self, root: Item, config_file: str, options: ParseOptions, run: Pass, budget: Budget,
                 files: FileLoader) -> None:
        self.root = root
        self.file = config_file
        self.options = options
        self.run = run
        self.budget = budget
        self.files = files
        self.chain: list[Item] = []  # leaves being resolved, innermost last (for cycle messages)
        self.plugin_variables: list[tuple[str, str, Item]] = []  # (variable, what the plugin puts there, where)
        self._stage: str | None = None
        self._region: str | None = None
        self._region_done = False
        self.region_unknown: Unresolved | None = None  # why region() is None
        # Whether anything read depended on the stage or on --region: if not, other stages and regions
        # give the same result and need no evaluation of their own.
        self.stage_used = False
        self.region_option_used = False
        self.account_used = False

    # -- walking the configuration -----------------------------------------------------------------

    def get(self, path: Sequence[str | int], deep: bool = False, base: Item | None = None) -> Item | None:
        """The value at ``path`` (from ``base``, default the root), its variables resolved; None if absent."""
        current = self.root if base is None else base
        for key in path:
            current = self.settle(current)
            child = self._child(current, key)
            if child is None:
                return None
            current = child
        current = self.settle(current)
        return self.deep(current) if deep else current

    def _child(self, parent: Item, key: str | int) -> Item | None:
        value = parent.value
        if isinstance(value, dict):
            child = value.get(str(key))
            if child is None:
                return None
            resolved = self.settle(child)
            value[str(key)] = resolved
            return resolved
        if isinstance(value, list):
            try:
                index = int(key)
            except ValueError:
                return None
            if not 0 <= index < len(value):
                return None
            resolved_item = self.settle(value[index])
            value[index] = resolved_item
            return resolved_item
        return None

    def settle(self, item: Item) -> Item:
        """Resolve a string holding variables; returns the value that takes its place (or ``item``)."""
        if item.state == DONE or not isinstance(item.value, str) or "${" not in item.value:
            return item
        if item.state == BUSY:
            raise self._cycle(item)
        try:
            variables = find_variables(item.value)
        except VariableSyntaxError as exc:
            raise InputError(f"invalid variable: {exc}", item.file, item.line, item.column) from None
        if not variables:
            item.state = DONE
            return item
        if len(self.chain) >= MAX_CHAIN:
            raise InputError(f"variables depend on each other more than {MAX_CHAIN} levels deep",
                             item.file, item.line, item.column)
        item.state = BUSY
        self.chain.append(item)
        try:
            result = self._interpolate(item.value, variables, item)
        finally:
            self.chain.pop()
            item.state = DONE
        result.raw = item.raw
        result.uses = merge_uses(item.uses, result.uses)
        return result

    def deep(self, item: Item) -> Item:
        """Resolve every variable inside ``item`` (a mapping or list is resolved in place)."""
        item = self.settle(item)
        if item.state != RAW or not isinstance(item.value, (dict, list)):
            if item.state == BUSY:
                raise self._cycle(item)
            item.state = DONE
            return item
        item.state = BUSY
        value = item.value
        keys = list(value.keys()) if isinstance(value, dict) else list(range(len(value)))
        for key in keys:
            value[key] = self.deep(value[key])  # type: ignore[index]
        item.state = DONE
        return item

    def _cycle(self, item: Item) -> InputError:
        chain = self.chain[self.chain.index(item):] if item in self.chain else [*self.chain, item]
        steps = " -> ".join(f"{_label(it)} (line {it.line})" for it in chain)
        return InputError(f"variable cycle: {steps} -> back to line {item.line}", item.file, item.line, item.column)

    # -- evaluating variables ------------------------------------------------------------------------

    def _interpolate(self, text: str, variables: Sequence[Variable], at: Item) -> Item:
        """The value of ``text`` with its variables replaced (a whole-value variable keeps its type)."""
        if len(variables) == 1 and variables[0].start == 0 and variables[0].end == len(text):
            return self.evaluate(variables[0], at)
        pieces: list[str] = []
        uses: list[Use] = []
        placed: set[Written] = set()
        here: list[Item] = []  # parts whose value is written in this string (a fallback)
        last = 0
        for var in variables:
            part = self.evaluate(var, at)
            if isinstance(part.value, Unresolved):
                return part
            if isinstance(part.value, (dict, list)):
                return unresolved(UNKNOWN, f"{var.text} is a {'list' if part.is_list else 'mapping'},"
                                        " which cannot be part of a string", at, part.uses)
            pieces.append(text[last : var.start])
            pieces.append(scalar_text(part.value))
            uses.extend(part.uses)
            if part.written is not None:
                placed.add(part.written)
            elif any(u.kind == "literal" for u in part.uses):
                here.append(part)  # a fallback written in this string (${param:version, 4}), or strToBool
            last = var.end
        pieces.append(text[last:])
        joined = "".join(pieces)
        if len(joined) > MAX_STRING:
            raise InputError(f"a value expands to more than {MAX_STRING:,} characters", at.file, at.line, at.column)
        # Written where its one placed part is (the params entry in arn:...:${param:version}, the fallback
        # in arn:...:${param:version, 4}); with two or more no single token decides it, and it stays where
        # the string is.
        spots = {(p.line, p.column) for p in here}
        written = placed.pop() if len(placed) == 1 and not spots else None
        line, column = spots.pop() if len(spots) == 1 and not placed else (at.line, at.column)
        return Item(joined, at.file, line, column, uses=tuple(uses), state=DONE, written=written)

    def _text(self, text: Text | None, at: Item) -> Item:
        """An address or parameter as a string, nested variables resolved."""
        if text is None:
            return Item(None, at.file, at.line, at.column, state=DONE)
        if not text.variables:
            return Item(text.text, at.file, at.line, at.column, state=DONE)
        return self._interpolate(text.text, text.variables, at)

    def evaluate(self, var: Variable, at: Item) -> Item:
        """The value of one variable: the first of its sources that gives one."""
        self.budget.spend()
        absent: list[Absent] = []
        for source in var.sources:
            if isinstance(source, Const):  # a fallback written in the repository: placed at its token
                column = at.text_column + source.start if at.text_column and source.start >= 0 else at.column
                found = Item(source.value, at.file, at.line, column, uses=(Use(var.text, "literal"),), state=DONE)
            elif isinstance(source, Variable):
                found = self.evaluate(source, at)
                if found.value is None:
                    absent.append(Absent("missing", f"{source.text} is null"))
                    continue
            else:
                result = self._source(source, var, at)
                if isinstance(result, Absent):
                    absent.append(result)
                    continue
                found = result
            if not isinstance(found.value, Unresolved):
                if any(a.why == "unset" for a in absent):
                    found.uses = merge_uses(found.uses, (Use(var.text, "parameter", "default"),))
                elif any(a.why == "region-unset" for a in absent):
                    found.uses = merge_uses(found.uses, (Use(var.text, "region"),))
            return found
        unset = [a for a in absent if a.why in ("unset", "region-unset")]
        if unset:
            return unresolved(DYNAMIC, f"{var.text}: {unset[0].reason}", at)
        no_file = [a for a in absent if a.why == "no-file"]
        if no_file:
            raise InputError(f"{var.text}: {no_file[0].reason}", at.file, at.line, at.column)
        return unresolved(UNKNOWN, f"{var.text}: {absent[0].reason if absent else 'no value'}", at)

    def _source(self, source: Source, var: Variable, at: Item) -> Item | Absent:
        params = [p if not isinstance(p, Text) else self._text(p, at) for p in source.params or ()]
        for p in params:
            if isinstance(p, Item) and isinstance(p.value, Unresolved):
                return p
        address_item = self._text(source.address, at)
        if isinstance(address_item.value, Unresolved):
            return address_item
        address = None if address_item.value is None else scalar_text(address_item.value)
        nested = merge_uses(address_item.uses, *(p.uses for p in params if isinstance(p, Item)))
        kind = source.type
        result: Item | Absent
        if kind == "self":
            result = self._self(address, var, at)
        elif kind == "file":
            first = params[0] if params else None
            path = scalar_text(first.value if isinstance(first, Item) else first) if first is not None else ""
            result = self._file(path, address, var, at)
        elif kind in HANDLERS:
            result = HANDLERS[kind](self, address, var, at, params)
        elif kind in DEPLOY_TIME:
            how, what = DEPLOY_TIME[kind]
            result = unresolved(how, f"{var.text}: {what}", at)
        elif kind in PLUGIN_SOURCES:
            self.plugin_variables.append((var.text, PLUGIN_SOURCES[kind], at))
            result = unresolved(DYNAMIC, f"{var.text}: {PLUGIN_SOURCES[kind]}", at)
        else:
            result = unresolved(UNKNOWN, f"{var.text}: variable source '{kind}' comes from a plugin or a"
                                      " newer framework; layergate cannot evaluate it", at)
        if isinstance(result, Item) and nested:
            result.uses = merge_uses(result.uses, nested)
        return result

    def _self(self, address: str | None, var: Variable, at: Item) -> Item | Absent:
        path = [p for p in (address or "").split(".") if p] if address else []
        target = self.get(path, deep=True)
        if target is None or target.value is None:
            return Absent("missing", f"'{address}' is not set in the configuration")
        return self.place(target, at, Use(var.text, "literal"), ".".join(path))

    def _file(self, path: str, address: str | None, var: Variable, at: Item) -> Item | Absent:
        loaded = self.files.read(path, var.text, at)
        if loaded is None:
            return Absent("no-file", f"{path} does not exist")
        if isinstance(loaded.value, Unresolved):
            return loaded
        keys = [p for p in address.split(".") if p] if address else []
        target = self.get(keys, deep=True, base=loaded)
        if target is None or target.value is None:
            return Absent("missing", f"'{address}' is not set in {path}" if address else f"{path} is empty")
        return self.place(target, at, Use(var.text, "literal"), ".".join(keys))

    def place(self, target: Item, at: Item, use: Use, path: str) -> Item:
        """``target``'s value (found at configuration path ``path``) where a variable stood. The item
        stands at the variable and remembers where the value is written (for a value that itself came
        through variables, the innermost place); a list or mapping stays where it is written, with its
        entries, and remembers the variable's place."""
        written = target.written or Written(target.file, target.line, target.column, path)
        if isinstance(target.value, (dict, list)):
            copied = copy(target, self.budget, (use,))
            copied.written, copied.used_at = written, (at.file, at.line, at.column)
            return copied
        return Item(target.value, at.file, at.line, at.column, uses=merge_uses(target.uses, (use,)), state=DONE,
                    written=written)

    def stage(self) -> str:
        """``--stage``, else provider.stage, else "dev" (the framework's rule)."""
        self.stage_used = True
        if self._stage is None:
            stage = self.run.stage
            if stage is None:  # resolving provider.stage may come back here: that is a cycle, not "dev"
                given = self.get(["provider", "stage"], deep=True)
                ok = given is not None and isinstance(given.value, (str, int)) and given.value != ""
                stage = scalar_text(given.value) if ok and given is not None else "dev"
            self._stage = stage
        return self._stage

    def region(self) -> str | None:
        """provider.region when the file states one, else ``--region``, else us-east-1 (the framework's
        default). None when provider.region is decided at deploy time and no ``--region`` was given."""
        if not self._region_done:
            given = self.get(["provider", "region"], deep=True)
            if given is not None and isinstance(given.value, str) and given.value:
                self._region = given.value
            elif given is not None and isinstance(given.value, Unresolved):
                self.region_option_used = True
                self.region_unknown = Unresolved(given.value.kind, f"provider.region is {given.raw or '?'},"
                                                                   f" decided at deploy ({given.value.reason})")
                self._region = self.run.region
            else:
                self.region_option_used = True
                self._region = self.run.region or "us-east-1"
            self._region_done = True
        return self._region


def _label(item: Item) -> str:
    if isinstance(item.value, (dict, list)):
        return f"the {'list' if item.is_list else 'mapping'} that holds it"
    return item.raw or scalar_text(item.value)


