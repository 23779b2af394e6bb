"""``dataclass``, ``field`` and ``replace`` for layergate's records, cheap to create at import.

The standard library's ``dataclasses`` imports ``inspect`` (and with it ``ast``, ``dis``, ``tokenize``) and
compiles the source of half a dozen methods for every class it decorates: about 10 ms to import and 0.8 ms
per frozen slotted class, which was most of a one-file ``layergate check``. This module builds the same
classes for the subset layergate uses (``frozen``, ``slots``, ``eq``, ``repr``; fields with a default, a
default factory, ``init=False``, ``repr=False``, ``compare=False``; ``__post_init__``). Only ``__init__`` is
made from source, and that source is compiled ahead in ``layergate.record_inits`` (generated from this module,
byte-compiled with the package); the other methods are shared closures.

The records stay dataclasses for everything else: type checkers see ``dataclasses.dataclass`` itself (the
``TYPE_CHECKING`` branch), and ``dataclasses.fields``/``replace``/``asdict``/``is_dataclass`` work at run
time through ``__dataclass_fields__``, which is built with the standard library on first use.
"""

from __future__ import annotations

from operator import attrgetter

# Every __init__ source built in this process, with the names it takes from its scope (see ahead_module).
SOURCES: dict[str, tuple[str, ...]] = {}

TYPE_CHECKING = False  # not imported from typing, which this module does not need at run time
if TYPE_CHECKING:
    from dataclasses import FrozenInstanceError, dataclass, field, replace
    from typing import Any
else:

    class FrozenInstanceError(AttributeError):
        """Assigning to a field of a frozen record (as ``dataclasses.FrozenInstanceError``)."""

    class _Missing:
        __slots__ = ()

        def __repr__(self) -> str:
            return "MISSING"

    MISSING = _Missing()

    class Field:
        """What ``field(...)`` declares; the decorator reads and removes it."""

        __slots__ = ("compare", "default", "default_factory", "init", "name", "repr", "type")

        def __init__(self, default: Any, default_factory: Any, init: bool, repr: bool, compare: bool) -> None:
            if default is not MISSING and default_factory is not MISSING:
                raise ValueError("cannot specify both default and default_factory")
            self.default = default
            self.default_factory = default_factory
            self.init = init
            self.repr = repr
            self.compare = compare
            self.name = ""
            self.type: Any = None

    def field(*, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True, repr: bool = True,
              compare: bool = True) -> Any:
        return Field(default, default_factory, init, repr, compare)

    def dataclass(cls: Any = None, /, *, init: bool = True, repr: bool = True, eq: bool = True,
                  frozen: bool = False, slots: bool = False) -> Any:
        def wrap(c: Any) -> Any:
            return _build(c, init=init, repr=repr, eq=eq, frozen=frozen, slots=slots)

        return wrap if cls is None else wrap(cls)

    def replace(obj: Any, /, **changes: Any) -> Any:
        """A copy of ``obj`` with ``changes`` (as ``dataclasses.replace``)."""
        for f in type(obj).__record_fields__:
            if not f.init:
                if f.name in changes:
                    raise ValueError(f"field {f.name} is declared with init=False, it cannot be specified with "
                                     "replace()")
            elif f.name not in changes:
                changes[f.name] = getattr(obj, f.name)
        return obj.__class__(**changes)

    def _fields(cls: Any) -> list[Field]:
        found = []
        annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (inspect is what this avoids)
        for name, kind in annotations.items():
            if isinstance(kind, str) and kind.startswith(("ClassVar", "typing.ClassVar")):
                continue
            value = cls.__dict__.get(name, MISSING)
            f = value if isinstance(value, Field) else Field(value, MISSING, True, True, True)
            if f.default is not MISSING and type(f.default).__hash__ is None:
                raise ValueError(f"mutable default {type(f.default)} for field {name} is not allowed: use "
                                 "default_factory")
            f.name, f.type = name, kind
            found.append(f)
        return found

    class _HasFactory:
        __slots__ = ()

    _HAS_FACTORY = _HasFactory()

    def _init(cls: Any, fields: list[Field], frozen: bool) -> Any:
        """``__init__`` compiled from source, as the standard library does: it runs once per record."""
        scope: dict[str, Any] = {"_setattr": object.__setattr__, "_HAS_FACTORY": _HAS_FACTORY}
        params = ["self"]
        body = []
        seen_default = False
        for f in fields:
            if f.default is not MISSING:
                scope[f"_dflt_{f.name}"] = f.default
            elif f.default_factory is not MISSING:
                scope[f"_dflt_{f.name}"] = f.default_factory
            if f.init:
                if f.default is not MISSING:
                    params.append(f"{f.name}=_dflt_{f.name}")
                    seen_default = True
                elif f.default_factory is not MISSING:
                    params.append(f"{f.name}=_HAS_FACTORY")
                    seen_default = True
                elif seen_default:
                    raise TypeError(f"non-default argument {f.name!r} follows default argument")
                else:
                    params.append(f.name)
            if f.default_factory is not MISSING:
                value = f"_dflt_{f.name}() if {f.name} is _HAS_FACTORY else {f.name}" if f.init else f"_dflt_{f.name}()"
            elif f.init:
                value = f.name
            elif f.default is not MISSING:
                value = f"_dflt_{f.name}"
            else:
                continue
            body.append(f"  _setattr(self, {f.name!r}, {value})" if frozen else f"  self.{f.name} = {value}")
        if hasattr(cls, "__post_init__"):
            body.append("  self.__post_init__()")
        source = f"def __init__({', '.join(params)}):\n" + ("\n".join(body) or "  pass") + "\n"
        SOURCES[source] = tuple(sorted(scope))
        factory = _ahead().get(source)
        if factory is not None:  # compiled ahead, in layergate.record_inits
            method = factory(**scope)
        else:
            exec(compile(source, f"<record {cls.__qualname__}>", "exec"), scope)
            method = scope["__init__"]
        method.__qualname__ = f"{cls.__qualname__}.__init__"
        return method

    _AHEAD: list[dict[str, Any]] = []

    def _ahead() -> dict[str, Any]:
        if not _AHEAD:
            from layergate.record_inits import INITS

            _AHEAD.append(INITS)
        return _AHEAD[0]

    def _repr(names: tuple[str, ...]) -> Any:
        def __repr__(self: Any) -> str:
            inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
            return f"{self.__class__.__qualname__}({inner})"

        return __repr__

    def _key(names: tuple[str, ...]) -> Any:
        """The tuple of compared values, as the standard library's ``(self.a, self.b,)``."""
        if len(names) == 1:
            (only,) = names
            return lambda self: (getattr(self, only),)
        return attrgetter(*names) if names else (lambda self: ())

    def _eq(key: Any) -> Any:
        def __eq__(self: Any, other: Any) -> Any:
            if other.__class__ is self.__class__:
                return key(self) == key(other)
            return NotImplemented

        return __eq__

    def _hash(key: Any) -> Any:
        def __hash__(self: Any) -> int:
            return hash(key(self))

        return __hash__

    def _frozen_setattr(self: Any, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def _frozen_delattr(self: Any, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    class _StdlibFields:
        """``__dataclass_fields__``, made by ``dataclasses`` itself on first use (tests, ``dataclasses.fields``)."""

        def __get__(self, obj: Any, owner: Any) -> Any:
            import dataclasses

            ns: dict[str, Any] = {"__annotations__": {}, "__module__": owner.__module__,
                                  "__qualname__": owner.__qualname__}
            for f in owner.__record_fields__:
                ns["__annotations__"][f.name] = f.type
                ns[f.name] = dataclasses.field(
                    default=dataclasses.MISSING if f.default is MISSING else f.default,
                    default_factory=dataclasses.MISSING if f.default_factory is MISSING else f.default_factory,
                    init=f.init, repr=f.repr, compare=f.compare)
            twin = dataclasses.dataclass(eq=False)(type(owner.__name__, (), ns))
            found = twin.__dataclass_fields__
            type.__setattr__(owner, "__dataclass_fields__", found)
            return found

    def _set(cls: Any, name: str, value: Any) -> None:
        if name not in cls.__dict__:  # a method the class writes itself wins, as with dataclasses
            setattr(cls, name, value)

    def _build(cls: Any, *, init: bool, repr: bool, eq: bool, frozen: bool, slots: bool) -> Any:
        fields = _fields(cls)
        names = tuple(f.name for f in fields)
        for f in fields:  # class attributes keep plain defaults only, as with dataclasses
            if isinstance(cls.__dict__.get(f.name), Field):
                if f.default is MISSING:
                    delattr(cls, f.name)
                else:
                    setattr(cls, f.name, f.default)
        class_hash = cls.__dict__.get("__hash__", MISSING)
        explicit_hash = not (class_hash is MISSING or (class_hash is None and "__eq__" in cls.__dict__))
        if slots:
            body = dict(cls.__dict__)
            for name in (*names, "__dict__", "__weakref__"):
                body.pop(name, None)
            body["__slots__"] = names
            qualname = cls.__qualname__
            cls = type(cls)(cls.__name__, cls.__bases__, body)
            cls.__qualname__ = qualname
        cls.__record_fields__ = tuple(fields)
        cls.__dataclass_fields__ = _StdlibFields()
        cls.__match_args__ = tuple(f.name for f in fields if f.init)
        if init:
            _set(cls, "__init__", _init(cls, fields, frozen))
        if repr:
            _set(cls, "__repr__", _repr(tuple(f.name for f in fields if f.repr)))
        compared = _key(tuple(f.name for f in fields if f.compare))
        if eq:
            _set(cls, "__eq__", _eq(compared))
            if not explicit_hash:
                cls.__hash__ = _hash(compared) if frozen else None
        if frozen:
            cls.__setattr__ = _frozen_setattr
            cls.__delattr__ = _frozen_delattr
            if slots:  # pickle and copy restore slots through setattr, which a frozen record refuses
                cls.__getstate__ = lambda self: [getattr(self, n) for n in names]
                cls.__setstate__ = lambda self, state: [object.__setattr__(self, n, v)
                                                        for n, v in zip(names, state, strict=True)]
        return cls




def ahead_module() -> str:
    """The text of ``layergate.record_inits``: every record's ``__init__`` source as a function that takes its
    defaults, so the byte-compiled module replaces one ``compile()`` per record at import time."""
    import importlib
    import pkgutil

    import layergate
    from layergate import records

    for info in pkgutil.walk_packages(layergate.__path__, "layergate."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    out = ['"""Every record\'s ``__init__``, compiled ahead with the package (see layergate.records).',
           "",
           "Generated by `python -m layergate.records > layergate/record_inits.py`; tests/test_records.py checks",
           'that it is in sync. A record missing here is compiled at import, as before: slower, never wrong."""',
           "# ruff: noqa", "# mypy: ignore-errors", ""]
    keys = []
    for number, (source, names) in enumerate(sorted(records.SOURCES.items())):
        out.append(f"def _{number}({', '.join(names)}):")
        out.extend(f"    {line}" for line in source.splitlines())
        out.append("    return __init__")
        out.append("")
        keys.append(f"    {source!r}: _{number},")
    return "\n".join([*out, "", "INITS = {", *keys, "}", ""])


__all__ = ["FrozenInstanceError", "dataclass", "field", "replace"]

if __name__ == "__main__":
    print(ahead_module(), end="")
