"""layergate.records builds the same classes as the standard library's dataclasses, for the subset it supports."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from layergate import records


def pair(**options: Any) -> tuple[Any, Any]:
    """The same class body decorated by layergate.records and by dataclasses."""

    def make(decorator: Any, field: Any) -> Any:
        class Entry:
            """One entry."""

            name: str
            line: int = 0
            tags: tuple[str, ...] = field(default=())
            seen: list[str] = field(default_factory=list, compare=False, repr=False)

        return decorator(**options)(Entry)

    return make(records.dataclass, records.field), make(dataclasses.dataclass, dataclasses.field)


@pytest.mark.parametrize("options", [{"frozen": True, "slots": True}, {"slots": True}, {}, {"eq": False}])
def test_same_behaviour_as_dataclasses(options: dict[str, bool]) -> None:
    ours, theirs = pair(**options)
    a, b = ours("x", 3, ("t",)), theirs("x", 3, ("t",))
    assert repr(a) == repr(b) and repr(a).endswith(".Entry(name='x', line=3, tags=('t',))")
    assert (a == ours("x", 3, ("t",)), a == ours("x", 4)) == (b == theirs("x", 3, ("t",)), b == theirs("x", 4))
    assert (a.seen, ours("y").line, ours("y").tags) == (b.seen, theirs("y").line, theirs("y").tags) == ([], 0, ())
    assert ours("x").seen is not ours("x").seen  # a fresh default per instance
    assert (ours.__hash__ is None) == (theirs.__hash__ is None)
    if ours.__hash__ is not None and options.get("eq", True):
        assert hash(a) == hash(b) == hash(("x", 3, ("t",)))
    assert ours.__match_args__ == theirs.__match_args__ == ("name", "line", "tags", "seen")
    assert hasattr(ours, "__slots__") == hasattr(theirs, "__slots__")
    if hasattr(ours, "__slots__"):
        assert ours.__slots__ == theirs.__slots__
    assert ours.__qualname__ == theirs.__qualname__ and ours.__doc__ == theirs.__doc__


def test_frozen_refuses_assignment_and_deletion() -> None:
    ours, _ = pair(frozen=True, slots=True)
    entry = ours("x")
    with pytest.raises(AttributeError, match="cannot assign to field 'line'"):
        entry.line = 4
    with pytest.raises(AttributeError, match="cannot delete field 'line'"):
        del entry.line


def test_replace_fields_pickle_and_copy_work_as_with_dataclasses() -> None:
    ours, _ = pair(frozen=True, slots=True)
    entry = ours("x", 3)
    assert records.replace(entry, line=5) == dataclasses.replace(entry, line=5) == ours("x", 5)
    assert [f.name for f in dataclasses.fields(entry)] == ["name", "line", "tags", "seen"]
    assert dataclasses.is_dataclass(entry)
    assert dataclasses.asdict(entry) == {"name": "x", "line": 3, "tags": (), "seen": []}
    assert copy.deepcopy(entry) == copy.copy(entry) == entry
    assert pickle.loads(pickle.dumps(Pickled("a", 2))) == Pickled("a", 2)


@records.dataclass(frozen=True, slots=True)
class Pickled:
    name: str
    size: int = 0


@records.dataclass(frozen=True, slots=True)
class Derived:
    segments: tuple[str, ...] = ()
    joined: str = records.field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "joined", ".".join(self.segments))

    def __repr__(self) -> str:
        return f"<{self.joined}>"


def test_init_false_post_init_and_own_methods() -> None:
    assert (Derived(("a", "b")).joined, repr(Derived(("a",)))) == ("a.b", "<a>")
    with pytest.raises(ValueError, match="init=False"):
        records.replace(Derived(), joined="x")
    with pytest.raises(TypeError):
        Derived(("a",), "x")  # type: ignore[call-arg]


def test_mistakes_are_refused_as_by_dataclasses() -> None:
    class Mutable:
        items: list[str] = []

    with pytest.raises(ValueError, match="mutable default"):
        records.dataclass(Mutable)

    class Order:
        first: int = 0
        second: int

    with pytest.raises(TypeError, match="non-default argument 'second'"):
        records.dataclass(Order)


def test_inits_compiled_ahead_are_in_sync() -> None:
    """layergate/record_inits.py holds the __init__ of every record the package defines (start-up time)."""
    fresh = subprocess.run([sys.executable, "-m", "layergate.records"], capture_output=True, text=True, check=True)
    written = (Path(records.__file__).parent / "record_inits.py").read_text()
    assert fresh.stdout == written, "run: python -m layergate.records > layergate/record_inits.py"
