"""Replacing a file atomically, and only if nobody changed it since it was read."""

from __future__ import annotations

import os
import tempfile

from layergate.errors import PolicyError


def replace_if_unchanged(path: str, original: bytes, data: bytes, *, command: str = "lock") -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, keeping the file mode.

    Refused (PolicyError) when the file no longer holds ``original``: someone edited it meanwhile.
    """
    target = os.path.realpath(path)
    try:
        with open(target, "rb") as fh:
            if fh.read() != original:
                raise PolicyError(
                    f"the file changed while {command} ran; nothing was written (run {command} again)", path)
        mode = os.stat(target).st_mode & 0o7777
        fd, tmp = tempfile.mkstemp(prefix=".layergate-lock-", dir=os.path.dirname(target) or ".")
    except OSError as exc:
        raise PolicyError(f"cannot write: {exc.strerror or exc}", path) from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        os.unlink(tmp)
        raise PolicyError(f"cannot write: {exc.strerror or exc}", path) from None
    except BaseException:
        os.unlink(tmp)
        raise
