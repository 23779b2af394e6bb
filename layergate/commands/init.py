"""`layergate init`: write a starter .layergate.yaml from the layers the repository already uses."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from typing import Any

from layergate import records
from layergate.errors import LayergateError


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "init",
        help="write a starter .layergate.yaml from the regions and publishers the repository uses",
        description="Scan PATH and write PATH/.layergate.yaml: the deploy regions and layer publishers found "
        "(catalog vendors by name, other accounts to identify), each with a comment, ready for review and "
        "`layergate lock`. Never overwrites a policy, and refuses when one already applies to PATH. "
        "Exit 0: written; 2: a policy exists, or an input cannot be read.",
    )
    p.add_argument("path", nargs="?", default=".", metavar="PATH", help="repository to scan (default: .)")
    p.add_argument("--output", "-o", metavar="FILE", help="where to write (default: PATH/.layergate.yaml)")
    p.add_argument("--region", action="append", default=[], metavar="REGION",
                   help="deploy region to add to those found (repeatable)")
    p.add_argument("--print", dest="print_only", action="store_true", help="print the policy; write nothing")
    p.set_defaults(func=run)


def target(args: argparse.Namespace) -> str:
    from layergate import policy

    if args.output:
        return str(args.output)
    directory = args.path if os.path.isdir(args.path) else os.path.dirname(args.path) or "."
    for name in policy.POLICY_FILENAMES:
        existing = os.path.normpath(os.path.join(directory, name))
        if os.path.lexists(existing):
            raise LayergateError("a policy already exists; `layergate init` never overwrites one "
                                 "(edit it, or remove it first)", existing)
    applies = policy.find(args.path)
    if applies is not None:
        raise LayergateError(f"the policy {applies} already applies to {args.path}; a new one here would "
                             "replace it for everything below (use --output to write elsewhere)")
    return os.path.normpath(os.path.join(directory, policy.POLICY_FILENAMES[0]))


def run(args: argparse.Namespace) -> int:
    from layergate import catalog
    from layergate.init import collect, regions_of, render
    from layergate.policy import DEFAULT_EXCLUDES
    from layergate.report import plural
    from layergate.scanning import scan_paths
    from layergate.sources import ParseOptions

    path = target(args)
    root = os.getcwd()
    result = scan_paths([args.path], ParseOptions(regions=tuple(args.region), root=root), DEFAULT_EXCLUDES)
    regions = tuple(sorted(set(regions_of(result.scans)) | set(args.region)))
    if regions and regions != tuple(sorted(args.region)):
        # Expand ${AWS::Region} and region-keyed mappings over the regions the first pass found.
        result = scan_paths([args.path], ParseOptions(regions=regions, root=root), DEFAULT_EXCLUDES)
    found = collect(result.scans, catalog.load())
    if args.region:
        found = records.replace(found, regions=tuple(sorted(set(found.regions) | set(args.region))))
    text = render(found, dt.date.today(), result.files_by_format)
    if args.print_only:
        sys.stdout.write(text)
        return 0
    try:
        with open(path, "x", encoding="utf-8") as fh:  # "x": never replace a file that appeared meanwhile
            fh.write(text)
    except FileExistsError:
        raise LayergateError("a policy already exists; `layergate init` never overwrites one", path) from None
    except OSError as exc:
        raise LayergateError(f"cannot write: {exc.strerror or exc}", path) from None
    vendors = sum(1 for p in found.publishers if p.vendor)
    accounts = len(found.publishers) - vendors
    print(f"wrote {path}: {plural(len(found.regions), 'region')}, {plural(vendors, 'catalog vendor')}, "
          f"{plural(accounts, 'other account')} to identify; review it, then run `layergate lock` to record "
          "the layers' SHA-256")
    return 0
