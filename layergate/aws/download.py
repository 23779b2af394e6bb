"""Download a layer zip from ``Content.Location`` and hash it ourselves.

``Content.Location`` is a presigned S3 URL valid for about ten minutes, so the download follows the
GetLayerVersion call directly. The zip streams to an anonymous temporary file (removed when closed)
while it is hashed; it is capped at Lambda's 50 MB limit for zipped uploads plus a margin, and never
read past the size AWS reports, so a hostile or broken server cannot fill the disk or hang the run.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import IO

from layergate.records import dataclass

MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024  # 50 MB is the largest zip Lambda accepts through its API
CHUNK = 1024 * 1024
READ_TIMEOUT = 30.0  # seconds without a byte
TOTAL_TIMEOUT = 600.0  # the presigned URL expires after about ten minutes anyway


class DownloadError(Exception):
    """The zip could not be fetched or was not what AWS described; ``str()`` says which."""


@dataclass(frozen=True, slots=True)
class Downloaded:
    sha256: str  # hex
    size: int
    sha512: str = ""  # hex: what npm provenance attestations name their subject by


def download_sha256(
    url: str,
    *,
    expected_size: int | None = None,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    timeout: float = READ_TIMEOUT,
    total_timeout: float = TOTAL_TIMEOUT,
    into: IO[bytes] | None = None,
) -> Downloaded:
    """Stream ``url`` to a temporary file (or to ``into``, for a caller that reads the zip) and return
    its SHA-256 and size."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("https", "http"):
        shown = url if len(url) <= 60 else url[:57] + "..."
        raise DownloadError(f"Content.Location {shown!r} is not an HTTP(S) URL that can be downloaded")
    if expected_size is not None and expected_size > max_bytes:
        raise DownloadError(f"the layer is {expected_size:,} bytes, more than the {max_bytes:,}-byte download cap")
    limit = max_bytes if expected_size is None else expected_size
    deadline = time.monotonic() + total_timeout
    digest = hashlib.sha256()
    digest512 = hashlib.sha512()
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, contextlib.ExitStack() as stack:
            spool = into if into is not None else stack.enter_context(tempfile.TemporaryFile())
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise DownloadError(_too_big(int(declared), expected_size, max_bytes))
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise DownloadError(_too_big(size, expected_size, max_bytes, at_least=True))
                if time.monotonic() > deadline:
                    raise DownloadError(f"download took longer than {total_timeout:.0f} s")
                digest.update(chunk)
                digest512.update(chunk)
                spool.write(chunk)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"download refused: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise DownloadError(f"download failed: {exc.reason}") from None
    except TimeoutError:
        raise DownloadError(f"download stalled (no data for {timeout:.0f} s)") from None
    except OSError as exc:
        raise DownloadError(f"download failed: {exc.strerror or exc}") from None
    return Downloaded(digest.hexdigest(), size, digest512.hexdigest())


def _too_big(size: int, expected: int | None, cap: int, at_least: bool = False) -> str:
    amount = f"{'at least ' if at_least else ''}{size:,} bytes"
    if expected is not None:
        return f"the download is {amount}, more than the {expected:,} bytes AWS reports (CodeSize)"
    return f"the download is {amount}, more than the {cap:,}-byte download cap"
