"""`layergate diff OLD NEW`: what changed inside a layer, for the review of a new version."""

from __future__ import annotations

import argparse
import sys
from typing import Any

FORMATS = ("text", "json", "markdown")


def add_parser(sub: Any) -> None:
    from layergate.layer.options import add_layer_options
    from layergate.vulns.options import add_advisory_options

    p: argparse.ArgumentParser = sub.add_parser(
        "diff",
        help="show what changed between two layer versions: packages, endpoints, extensions, binaries, files",
        description="Compare two layers (each a local .zip, a layer directory or a layer version ARN). "
        "Exit 0: identical; 1: they differ; 2: usage, input or AWS error, or a layer that could not be read "
        "completely.",
    )
    p.add_argument("old", metavar="OLD", help="the version reviewed before")
    p.add_argument("new", metavar="NEW", help="the version to review")
    p.add_argument("--format", "-f", choices=FORMATS, default="text",
                   help="text, json, or markdown (for a pull request comment) (default: text)")
    add_layer_options(p)
    add_advisory_options(p, online=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from layergate.layer import diff_report
    from layergate.layer.inputs import read_layer, require_complete
    from layergate.layer.layerdiff import diff_layers

    old = read_layer(args.old, args)
    require_complete(old, "OLD")
    new = read_layer(args.new, args)
    require_complete(new, "NEW")
    result = diff_layers(old, new)
    vulns = None
    if args.vulns or args.advisories:
        from layergate.vulns.diff import vuln_diff
        from layergate.vulns.match import match_many
        from layergate.vulns.options import online_source

        before, after = match_many([(c.packages, [f.path for f in c.files], [b.path for b in c.binaries])
                                    for c in (old, new)], online_source(args))
        vulns = vuln_diff(before, after)
    render = {"json": diff_report.render_json, "markdown": diff_report.render_markdown}.get(
        args.format, diff_report.render_text
    )
    sys.stdout.write(render(result, vulns))
    sys.stdout.flush()
    return 0 if result.identical else 1
