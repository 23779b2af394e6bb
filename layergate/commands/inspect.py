"""`layergate inspect LAYER`: what a layer contains, as text, JSON or a CycloneDX 1.6 SBOM."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from layergate.layer.inventory import LayerContents
    from layergate.vulns.model import VulnReport

FORMATS = ("text", "json", "cyclonedx")


def add_parser(sub: Any) -> None:
    from layergate.layer.options import add_layer_options
    from layergate.vulns.options import add_advisory_options

    p: argparse.ArgumentParser = sub.add_parser(
        "inspect",
        help="list what a layer contains: files, packages, extensions, native binaries, network endpoints",
        description="Inspect a layer: a local .zip, a directory laid out as a layer (python/, nodejs/, "
        "extensions/, ...) or a layer version ARN (downloaded, and checked against the recorded or published "
        "SHA-256). Nothing is extracted to disk. Exit 0: inspected; 1: the layer has hostile or unreadable "
        "entries (zip slip, symlinks, duplicate names, a limit exceeded), or with --vulns a package with a "
        "known vulnerability; 2: usage, input, AWS or advisory source error.",
    )
    p.add_argument("layer", metavar="LAYER", help="layer .zip, layer directory, or layer version ARN")
    p.add_argument("--format", "-f", choices=FORMATS, default="text",
                   help="text, json, or cyclonedx (a CycloneDX 1.6 JSON SBOM) (default: text)")
    add_layer_options(p)
    add_advisory_options(p, online=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from layergate.layer import inspect_report
    from layergate.layer.inputs import read_layer

    contents = read_layer(args.layer, args)
    vulns = layer_vulns(contents, args) if args.vulns or args.advisories else None
    if args.format == "cyclonedx":
        from layergate.layer import sbom

        text = sbom.render(contents, vulns)
    elif args.format == "json":
        text = inspect_report.render_json(contents, vulns)
    else:
        text = inspect_report.render_text(contents, vulns)
    sys.stdout.write(text)
    sys.stdout.flush()
    if not contents.complete:
        print(f"layergate: {contents.source}: not every entry was read; see the problems listed", file=sys.stderr)
    return 1 if contents.problems or (vulns is not None and vulns.vulnerable) else 0


def layer_vulns(contents: LayerContents, args: argparse.Namespace) -> VulnReport:
    from layergate.vulns.match import match
    from layergate.vulns.options import online_source

    return match(contents.packages, online_source(args), paths=[f.path for f in contents.files],
                 binaries=[b.path for b in contents.binaries])
