"""`layergate inspect LAYER`: what a layer contains, as text, JSON or a CycloneDX 1.6 SBOM."""

from __future__ import annotations

import argparse
import sys
from typing import Any

FORMATS = ("text", "json", "cyclonedx")


def add_parser(sub: Any) -> None:
    from layergate.layer.options import add_layer_options

    p: argparse.ArgumentParser = sub.add_parser(
        "inspect",
        help="list what a layer contains: files, packages, extensions, native binaries, network endpoints",
        description="Inspect a layer: a local .zip, a directory laid out as a layer (python/, nodejs/, "
        "extensions/, ...) or a layer version ARN (downloaded, and checked against the recorded or published "
        "SHA-256). Nothing is extracted to disk. Exit 0: inspected; 1: the layer has hostile or unreadable "
        "entries (zip slip, symlinks, duplicate names, a limit exceeded); 2: usage, input or AWS error.",
    )
    p.add_argument("layer", metavar="LAYER", help="layer .zip, layer directory, or layer version ARN")
    p.add_argument("--format", "-f", choices=FORMATS, default="text",
                   help="text, json, or cyclonedx (a CycloneDX 1.6 JSON SBOM) (default: text)")
    add_layer_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from layergate.layer import inspect_report
    from layergate.layer.inputs import read_layer

    contents = read_layer(args.layer, args)
    if args.format == "cyclonedx":
        from layergate.layer import sbom

        text = sbom.render(contents)
    elif args.format == "json":
        text = inspect_report.render_json(contents)
    else:
        text = inspect_report.render_text(contents)
    sys.stdout.write(text)
    sys.stdout.flush()
    if not contents.complete:
        print(f"layergate: {contents.source}: not every entry was read; see the problems listed", file=sys.stderr)
    return 1 if contents.problems else 0
