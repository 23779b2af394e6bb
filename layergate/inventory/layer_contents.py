"""The packages of a deployed layer version, for ``inventory --vulns``: downloaded once, metadata read, removed.

The zip comes from GetLayerVersion's ``Content.Location`` (asked by the account that described it, right
before, as the presigned URL expires in minutes) into a temporary file, and is read only when its SHA-256
is the ``CodeSha256`` AWS published: other bytes are not the layer version the functions load. Only
package metadata files are read (as ``check`` reads local layer content); a download or read that fails
is a ``LocalPackages`` whose ``unread`` says why, so the layer is reported as not checked, never as clean.
"""

from __future__ import annotations

import tempfile

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
    return found if found is not None else LocalPackages((), (), (), "not a readable zip archive")
