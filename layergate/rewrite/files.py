"""Which files a rewrite may touch: the text files under the scanned paths that can name a layer version.

Templates, Serverless and Terraform sources, and what feeds them values: CloudFormation parameters files,
``samconfig.toml``, ``.tfvars``, Serverless ``params``/``${file()}`` files. The policy file is never among
them (its ``layers:`` entries record reviews, `lock`'s business), nor is anything generated: the policy's
excludes (``cdk.out``, ``.terraform``, ``.aws-sam``, ...) and the Terraform plans the scan read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from layergate.discover import excluded

SUFFIXES = (".yaml", ".yml", ".json", ".template", ".toml", ".tf", ".tfvars", ".hcl", ".env")
MAX_BYTES = 64 << 20  # a text file larger than this is not infrastructure code


def candidates(paths: Sequence[str], extra: Iterable[str], excludes: Sequence[str],
               skip: Iterable[str]) -> list[str]:
    """Every file under ``paths`` (plus the ``extra`` files named on the command line), sorted, without ``skip``."""
    skipped = {os.path.realpath(p) for p in skip}
    found: dict[str, str] = {}

    def add(path: str) -> None:
        real = os.path.realpath(path)
        if real in skipped or real in found:
            return
        try:
            if os.path.getsize(path) > MAX_BYTES:
                return
        except OSError:
            return
        found[real] = os.path.normpath(path)

    for top in paths:
        if os.path.isfile(top):
            add(top)
            continue
        for here, dirs, names in os.walk(top):
            dirs[:] = sorted(d for d in dirs if not excluded(os.path.join(here, d), excludes))
            for name in sorted(names):
                path = os.path.join(here, name)
                if name.lower().endswith(SUFFIXES) and not excluded(path, excludes):
                    add(path)
    for path in extra:
        add(path)
    return sorted(found.values())


def write_all(work: Sequence[tuple[str, bytes, bytes]], *, command: str) -> None:
    """Write each ``(path, original, new)`` atomically, all or nothing.

    Every file is first checked to still hold ``original`` (someone may have edited it since it was read),
    so a conflict is found before anything is written. When a write then fails, the files already written
    get their original bytes back, and the error is raised.
    """
    from layergate.atomicfile import replace_if_unchanged
    from layergate.errors import PolicyError

    for path, original, _new in work:
        try:
            with open(path, "rb") as fh:
                same = fh.read() == original
        except OSError as exc:
            raise PolicyError(f"cannot read: {exc.strerror or exc}; nothing was written", path) from None
        if not same:
            raise PolicyError(f"the file changed while {command} ran; nothing was written (run {command} again)",
                              path)
    written: list[tuple[str, bytes, bytes]] = []
    try:
        for path, original, new in work:
            replace_if_unchanged(path, original, new, command=command)
            written.append((path, original, new))
    except BaseException:
        for path, original, new in reversed(written):
            replace_if_unchanged(path, new, original, command=command)
        raise
