"""Reading a large layer in two processes, each taking half of the members.

Inflating, hashing and scanning are CPU work, and threads cannot share it (the scan holds the GIL). On
Linux with two CPUs or more, a layer of ``MIN_BYTES`` or more is split by uncompressed size: a forked
child reads the second half while this process reads the first, and sends its findings back through a
pipe (pickled: the child is this very program, so the data is trusted). Members are still each read
exactly once, and the merged result is the same as one pass over all of them, in member order.

The child never touches the parent's zipfile file position (``Layer`` reopens zipfile in a forked
process; direct reads use ``pread``), ends with ``os._exit`` and is killed if the parent fails first.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

from layergate.errors import InputError, LayergateError
from layergate.layer.archive import Layer, Member

MIN_BYTES = 32 << 20

T = TypeVar("T")
U = TypeVar("U")


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


def halfway(members: Sequence[Member]) -> int:
    """The index that splits ``members`` into two runs of about the same uncompressed size."""
    half = sum(m.size for m in members) / 2
    total = 0
    for i, member in enumerate(members):
        total += member.size
        if total >= half:
            return max(1, min(i + 1, len(members) - 1))
    return len(members) // 2


def in_two(layer: Layer, members: Sequence[Member], work: Callable[[Layer, Sequence[Member]], T],
           then: Callable[[], U]) -> tuple[list[T], U]:
    """``[work(first half), work(second half)]``, the second half done by a forked child, and ``then()``
    run here after the first half, while the child may still be busy. (Fork before any thread starts:
    a thread running across a fork can leave a lock held forever in the child.)"""
    cut = halfway(members)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(layer, members[cut:], work, write_end)
    os.close(write_end)
    reaped = False
    try:
        first = work(layer, members[:cut])
        extra = then()
        with os.fdopen(read_end, "rb") as answer:
            payload = answer.read()
        os.waitpid(pid, 0)
        reaped = True
    finally:
        if not reaped:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    return [first, cast(T, _result(payload, layer.label))], extra


def _child(layer: Layer, members: Sequence[Member], work: Callable[[Layer, Sequence[Member]], T],
           write_end: int) -> None:
    code = 0
    try:
        try:
            message: tuple[str, object] = ("ok", work(layer, members))
        except LayergateError as exc:
            message = ("input", (exc.message, exc.file))
        except BaseException as exc:  # anything else is reported, never lost
            message = ("error", f"{type(exc).__name__}: {exc}")
        with os.fdopen(write_end, "wb") as out:
            out.write(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:  # the parent sees an empty answer
        code = 1
    finally:
        os._exit(code)


def _result(payload: bytes, label: str) -> object:
    if not payload:
        raise InputError("the process reading the second half of the layer ended without an answer", label)
    status, value = pickle.loads(payload)
    if status == "input":
        message, file = value
        raise InputError(message, file)
    if status == "error":
        raise InputError(f"reading the second half of the layer failed: {value}", label)
    return value
