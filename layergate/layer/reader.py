"""Reading a layer's members one after the other, each exactly once, with their hashes.

Each member comes whole in one piece when it is no larger than ``CHUNK`` (nearly every file of a
layer), else in pieces of at most ``CHUNK`` bytes so memory stays bounded. The SHA-256 (and for the
members ``sha1_for`` selects, the SHA-1) is computed as the bytes come and handed over on the last
piece. A member that cannot be read comes as one piece carrying the ``Unreadable`` error.

(A reader thread was tried: zlib and hashlib release the GIL, but the scan holds it between every
two calls of the reader, so the threads ran one after the other and gained nothing.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from layergate.layer.archive import CHUNK, Layer, Member, Unreadable


class Piece(NamedTuple):
    """One piece of one member (a tuple: 20,000 of them are made per layer, and a frozen dataclass
    costs several times more to build)."""

    member: Member
    data: bytes  # the content, or the next CHUNK of it
    first: bool
    last: bool  # the hashes are set on the last piece
    sha256: str = ""
    sha1: str = ""  # only for the members ``sha1_for`` selects
    error: Unreadable | None = None  # the member cannot be read (then first and last, data empty)


def read_pieces(layer: Layer, members: Sequence[Member], sha1_for: Callable[[str], bool]) -> Iterator[Piece]:
    """The content of every member, in order, in pieces of at most ``CHUNK`` bytes, with its hashes."""
    for member in members:
        yield from _pieces(layer, member, sha1_for(member.path))


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
