"""Where a layer version's attestation is kept, and reading it: a file, an HTTP(S) URL, or an S3 object.

Three places, all tried: files given with ``--attestation``, the publisher's ``provenance.attestation``
pattern (a path relative to the policy file, an HTTP(S) URL, or ``s3://bucket/key`` for a private bucket,
with ``{account}``, ``{region}``, ``{name}`` and ``{version}`` filled in), and, for a local zip, a bundle
beside it (``layer.zip.sigstore.json`` as ``actions/attest-build-provenance`` names it, ``.sigstore``,
``.intoto.jsonl``). A ``.jsonl`` file (``gh attestation download``) holds one bundle per line; each line
is a candidate.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from layergate.records import dataclass

if TYPE_CHECKING:
    from layergate.arn import LayerArn

BESIDE = (".sigstore.json", ".sigstore", ".intoto.jsonl", ".dsse.json")
MAX_BYTES = 16 << 20  # bundles are a few KiB; a larger file is not one
TIMEOUT = 30.0


class NotThere(Exception):
    """Nothing is kept at this place (no such file, HTTP 404): the attestation is missing, not broken."""


class Unreadable(Exception):
    """Something is there but cannot be read; ``str()`` says why."""


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str  # file or URL, with "#N" for the N-th line of a JSON Lines file
    raw: bytes


# Reads one S3 object (bucket, key) with the command's AWS settings; raises NotThere or Unreadable.
S3Get = Callable[[str, str], bytes]


def is_url(text: str) -> bool:
    return text.lower().startswith(("https://", "http://"))


def is_s3(text: str) -> bool:
    return text.startswith("s3://")


def is_remote(text: str) -> bool:
    """A URL or an S3 object: written as is in the policy, never taken relative to the policy file."""
    return is_url(text) or is_s3(text)


def fill(pattern: str, arn: LayerArn) -> str:
    """The pattern with the layer version's parts filled in (unknown placeholders are left as written)."""
    parts = {"account": arn.account, "region": arn.region, "name": arn.name, "version": str(arn.version)}
    out = pattern
    for key, value in parts.items():
        out = out.replace("{" + key + "}", value)
    return out


def beside(zip_path: str) -> list[str]:
    """The bundle files kept next to a local layer zip."""
    return [zip_path + s for s in BESIDE if os.path.isfile(zip_path + s)]


def read(place: str, s3: S3Get | None = None) -> bytes:
    """The bytes kept at ``place`` (a file, an HTTP(S) URL or an S3 object), at most ``MAX_BYTES``."""
    if is_url(place):
        return _get(place)
    if is_s3(place):
        bucket, _, key = place[len("s3://"):].partition("/")
        if not bucket or not key:
            raise Unreadable("not an S3 object: write s3://bucket/key")
        if s3 is None:  # a local zip's inspect has no AWS access to use
            raise Unreadable("an S3 object is read with AWS credentials; verify or lock reads it, or pass "
                             "--attestation FILE")
        return _capped(s3(bucket, key))
    try:
        with open(place, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise NotThere(place) from None
    except OSError as e:
        raise Unreadable(e.strerror or str(e)) from None
    return _capped(raw)


def _get(url: str) -> bytes:
    import urllib.error
    import urllib.request  # not at the top: the policy loader uses is_url, and check must not import it

    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return _capped(response.read(MAX_BYTES + 1))
    except urllib.error.HTTPError as e:
        if e.code in (404, 410):
            raise NotThere(url) from None
        raise Unreadable(f"HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        raise Unreadable(f"cannot fetch: {e.reason}") from None
    except (TimeoutError, OSError) as e:
        raise Unreadable(f"cannot fetch: {e}") from None


def _capped(raw: bytes) -> bytes:
    if len(raw) > MAX_BYTES:
        raise Unreadable(f"larger than {MAX_BYTES >> 20} MiB: not an attestation")
    return raw


def split(place: str, raw: bytes) -> Iterator[Candidate]:
    """One candidate per JSON document: the whole file, or each line of a JSON Lines file."""
    lines = [line for line in raw.splitlines() if line.strip()]
    if len(lines) > 1 and all(_json_object(line) for line in lines):
        for i, line in enumerate(lines, 1):
            yield Candidate(f"{place}#{i}", line)
    else:
        yield Candidate(place, raw)


def _json_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def places(given: Sequence[str], pattern: str | None, arn: LayerArn | None, zip_path: str | None) -> list[str]:
    """Every place to look, in order, without repeats."""
    found = list(given)
    if pattern is not None and arn is not None:
        found.append(fill(pattern, arn))
    if zip_path is not None:
        found.extend(beside(zip_path))
    return list(dict.fromkeys(found))
