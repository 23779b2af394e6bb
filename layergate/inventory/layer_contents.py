"""The packages of a deployed layer version, for ``inventory --vulns``: downloaded once, metadata read, removed.

The zip comes from GetLayerVersion's ``Content.Location`` (asked by the account that described it, right
before, as the presigned URL expires in minutes) into a temporary file, and is read only when its SHA-256
is the ``CodeSha256`` AWS published: other bytes are not the layer version the functions load. Only
package metadata files are read (as ``check`` reads local layer content); a download or read that fails
is a ``LocalPackages`` whose ``unread`` says why, so the layer is reported as not checked, never as clean.
"""

from __future__ import annotations

import tempfile

from layergate import records
from layergate.vulns.contents import LocalPackages, local_packages


def read_packages(location: str, sha256: str, code_size: int) -> LocalPackages:
    from layergate.aws.download import DownloadError, download_sha256

    with tempfile.NamedTemporaryFile(prefix="layergate-", suffix=".zip") as spool:
        try:
            got = download_sha256(location, expected_size=code_size if code_size >= 0 else None, into=spool)
        except DownloadError as exc:
            return LocalPackages((), (), (), f"not downloaded: {exc}")
        spool.flush()
        if got.sha256 != sha256.lower():
            return LocalPackages((), (), (), f"the downloaded zip has SHA-256 {got.sha256}, not the published "
                                             f"{sha256.lower()}: not read")
        found = local_packages(spool.name, cached=False)
    return compact(found) if found is not None else LocalPackages((), (), (), "not a readable zip archive")


def compact(found: LocalPackages) -> LocalPackages:
    """What matching needs, and no more: an organization's layer versions are kept until every one is read.
    Every path of a layer would be thousands each; matching only looks at Python files and binaries no
    package owns (one file per top-level directory suffices), so those stay, and packages drop their file lists."""
    from layergate.vulns.match import python_top

    owned = {f for p in found.packages for f in p.files} | {p.path for p in found.packages}
    tops: dict[str, str] = {}
    for path in found.paths:
        if path.endswith(".py") and path not in owned and (top := python_top(path)) is not None:
            tops.setdefault(top, path)
    return LocalPackages(
        packages=tuple(records.replace(p, files=()) for p in found.packages),
        paths=tuple(tops.values()),
        binaries=tuple(b for b in found.binaries if b not in owned),
        unread=found.unread,
    )
