"""Reading a large layer in two processes that share the members out as they go.

Inflating, hashing and scanning are CPU work, and threads cannot share it (the scan holds the GIL). On
Linux with two CPUs or more, a layer of ``MIN_BYTES`` or more is cut into ``GROUPS`` runs of members of
about the same uncompressed size. This process and a forked child each take the next run from a pipe
holding one ticket per run (a read of a few bytes from a pipe is atomic, so no run is taken twice),
until none is left. Whoever is faster reads more, so a child slowed down by a busy machine costs at
most the run it holds. The child sends its findings back through a second pipe (pickled: the child is
this very program, so the data is trusted); they are merged in member order, and every member is read
exactly once, as in one pass.

The child never touches the parent's zipfile file position (``Layer`` reopens zipfile in a forked
process; direct reads use ``pread``), ends with ``os._exit``, and is killed if the parent fails first.
Fork happens before any thread starts: a thread running across a fork can leave a lock held forever.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

from layergate.errors import InputError, LayergateError
from layergate.layer.archive import Layer, Member

MIN_BYTES = 32 << 20
GROUPS = 32
_TICKET = struct.Struct("<I")

T = TypeVar("T")
U = TypeVar("U")
Work = Callable[[Layer, Sequence[Member]], T]


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worth_splitting(members: Sequence[Member]) -> bool:
    min_bytes = MIN_BYTES  # read at call time, so a test can lower it
    return (
        sys.platform == "linux"
        and hasattr(os, "fork")
        and len(members) >= 2
        and usable_cpus() >= 2
        and sum(m.size for m in members) >= min_bytes
    )


def groups(members: Sequence[Member], count: int = GROUPS) -> list[tuple[int, int]]:
    """``count`` (or fewer) runs ``(start, end)`` of about the same uncompressed size, in order."""
    total = sum(m.size for m in members) or 1
    runs: list[tuple[int, int]] = []
    start = 0
    size = 0
    for i, member in enumerate(members):
        size += member.size
        if size * count >= total * (len(runs) + 1) and i + 1 < len(members):
            runs.append((start, i + 1))
            start = i + 1
    runs.append((start, len(members)))
    return runs


def shared(layer: Layer, members: Sequence[Member], work: Work[T], then: Callable[[], U]) -> tuple[list[T], U]:
    """``work`` over every run of ``members``, in order, the runs shared with a forked child; and
    ``then()`` run here once this process finds no run left (the child may still be busy)."""
    runs = groups(members)
    tickets, feed = os.pipe()
    os.write(feed, b"".join(_TICKET.pack(i) for i in range(len(runs))))  # far below a pipe's capacity
    os.close(feed)
    answer_end, reply_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(answer_end)
        _child(layer, members, runs, tickets, work, reply_end)
    os.close(reply_end)
    reaped = False
    try:
        mine = _take(layer, members, runs, tickets, work)
        extra = then()
        with os.fdopen(answer_end, "rb") as answer:
            payload = answer.read()
        os.waitpid(pid, 0)
        reaped = True
    finally:
        os.close(tickets)
        if not reaped:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    theirs = cast(dict[int, T], _result(payload, layer.label))
    done = {**mine, **theirs}
    if sorted(done) != list(range(len(runs))):
        raise InputError("the two processes reading the layer did not cover every member", layer.label)
    return [done[i] for i in range(len(runs))], extra


def _take(layer: Layer, members: Sequence[Member], runs: list[tuple[int, int]], tickets: int,
          work: Work[T]) -> dict[int, T]:
    done: dict[int, T] = {}
    while len(ticket := os.read(tickets, _TICKET.size)) == _TICKET.size:
        index = _TICKET.unpack(ticket)[0]
        start, end = runs[index]
        done[index] = work(layer, members[start:end])
    return done


def _child(layer: Layer, members: Sequence[Member], runs: list[tuple[int, int]], tickets: int, work: Work[T],
           reply_end: int) -> None:
    code = 0
    try:
        try:
            message: tuple[str, object] = ("ok", _take(layer, members, runs, tickets, work))
        except LayergateError as exc:
            message = ("input", (exc.message, exc.file))
        except BaseException as exc:  # anything else is reported, never lost
            message = ("error", f"{type(exc).__name__}: {exc}")
        with os.fdopen(reply_end, "wb") as out:
            out.write(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:  # the parent sees an empty answer
        code = 1
    finally:
        os._exit(code)


def _result(payload: bytes, label: str) -> object:
    if not payload:
        raise InputError("the second process reading the layer ended without an answer", label)
    status, value = pickle.loads(payload)
    if status == "input":
        message, file = value
        raise InputError(message, file)
    if status == "error":
        raise InputError(f"the second process reading the layer failed: {value}", label)
    return value
