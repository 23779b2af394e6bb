"""The ``--vulns`` options and the advisory source they choose.

Imported when the CLI builds its parser, so it imports nothing heavy; the sources are imported when used.

- ``inspect``/``diff``/``inventory`` ``--vulns``: ``--advisories PATH`` (offline), else the OSV API with the
  on-disk cache (``--no-cache`` skips it; ``--osv-url`` names a mirror).
- ``check``: offline always: ``--advisories PATH``, else the cache (``--no-cache``: neither), else nothing.
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI
if TYPE_CHECKING:
    from layergate.vulns.model import AdvisorySource


def add_advisory_options(parser: argparse.ArgumentParser, online: bool) -> None:
    group = parser.add_argument_group("known vulnerabilities (OSV advisories)")
    if online:
        group.add_argument("--vulns", action="store_true",
                           help="match the layer's packages against OSV advisories (the OSV API unless "
                                "--advisories is given)")
    group.add_argument("--advisories", metavar="PATH",
                       help="offline advisory database: a zip of OSV records (OSV's per-ecosystem all.zip), a "
                            "directory of such zips, or a directory of OSV .json/.yaml records")
    group.add_argument("--no-cache", action="store_true",
                       help="do not read or write the advisory cache (default location: "
                            "$LAYERGATE_CACHE_DIR/osv, else ~/.cache/layergate/osv)")
    if online:
        group.add_argument("--osv-url", metavar="URL", default="https://api.osv.dev",
                           help="OSV API base URL (default: https://api.osv.dev)")


def online_source(args: argparse.Namespace) -> AdvisorySource:
    if args.advisories:
        from layergate.vulns.offline import OfflineDatabase

        return OfflineDatabase(args.advisories)
    from layergate.vulns.api import OsvApi
    from layergate.vulns.cache import AdvisoryCache

    return OsvApi(args.osv_url, cache=None if args.no_cache else AdvisoryCache())


def offline_source(args: argparse.Namespace) -> AdvisorySource | None:
    """``check``'s source, or None when it has neither a database nor a cache."""
    if getattr(args, "advisories", None):
        from layergate.vulns.offline import OfflineDatabase

        return OfflineDatabase(args.advisories)
    if getattr(args, "no_cache", False):
        return None
    import os

    from layergate.vulns.cache import AdvisoryCache, CachedSource

    cache = AdvisoryCache()
    return CachedSource(cache) if os.path.isdir(os.path.join(cache.root, "queries")) else None
