"""Reading and hashing members in a second thread, while the caller scans what was already read.

zlib's inflate and hashlib's SHA-256 release the GIL, the endpoint scan (``re``) does not: with one
thread decompressing and hashing member N+1 while the other scans member N, the scan mostly costs no
extra wall time on a machine with two cores. Each member is still read exactly once.

Pieces travel in batches (``BATCH_BYTES``, ``BATCH_COUNT``: a queue hand-off costs more than reading
a small file) through a queue of ``DEPTH`` batches, so memory stays bounded however large the layer.
Failures travel through the queue too: ``Unreadable`` for one member, anything else ends the iteration
with that exception raised in the caller's thread.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import NamedTuple

from layergate.layer.archive import CHUNK, Layer, Member, Unreadable

DEPTH = 8
BATCH_BYTES = 1 << 20
BATCH_COUNT = 256


class Piece(NamedTuple):
    """One hand-off between the threads (a tuple: 20,000 of them are made per layer, and a frozen
    dataclass costs several times more to build)."""

    member: Member
    data: bytes  # the content, or the next CHUNK of it
    first: bool
    last: bool  # the hashes are set on the last piece
    sha256: str = ""
    sha1: str = ""  # only for the members ``sha1_for`` selects
    error: Unreadable | None = None  # the member cannot be read (then first and last, data empty)


_END = object()


def read_pieces(
    layer: Layer, members: Sequence[Member], sha1_for: Callable[[str], bool]
) -> Generator[Piece, None, None]:
    """The content of every member, in order, in pieces of at most ``CHUNK`` bytes, with its hashes."""
    out: queue.Queue[object] = queue.Queue(maxsize=DEPTH)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        batch: list[Piece] = []
        size = 0
        try:
            for member in members:
                for piece in _pieces(layer, member, sha1_for(member.path)):
                    batch.append(piece)
                    size += len(piece.data)
                    if size >= BATCH_BYTES or len(batch) >= BATCH_COUNT:
                        if not put(batch):
                            return
                        batch, size = [], 0
            if batch and not put(batch):
                return
            put(_END)
        except BaseException as exc:  # handed to the consumer, which raises it in its own thread
            if not batch or put(batch):
                put(exc)

    worker = threading.Thread(target=produce, name="layergate-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = out.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, list)
            yield from item
    finally:
        stop.set()
        worker.join()


def _pieces(layer: Layer, member: Member, with_sha1: bool) -> Iterator[Piece]:
    try:
        if member.size <= CHUNK:  # the common case: one piece
            data = layer.read(member)
            if len(data) <= CHUNK:
                sha1 = hashlib.sha1(data, usedforsecurity=False).hexdigest() if with_sha1 else ""
                yield Piece(member, data, True, True, hashlib.sha256(data).hexdigest(), sha1)
                return
        yield from _streamed(layer, member, with_sha1)
    except Unreadable as exc:
        yield Piece(member, b"", True, True, error=exc)


def _streamed(layer: Layer, member: Member, with_sha1: bool) -> Iterator[Piece]:
    digest = hashlib.sha256()
    sha1 = hashlib.sha1(usedforsecurity=False)
    pending: bytes | None = None
    first = True
    for data in layer.chunks(member):
        if pending is not None:  # one piece behind, so the last one can say so
            yield Piece(member, pending, first, False)
            first = False
        digest.update(data)
        if with_sha1:
            sha1.update(data)
        pending = data
    yield Piece(member, pending or b"", first, True, digest.hexdigest(), sha1.hexdigest() if with_sha1 else "")
