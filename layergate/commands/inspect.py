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
    from layergate.provenance import cli as provenance
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
    provenance.add_options(p, local=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from layergate.layer import inspect_report
    from layergate.layer.inputs import read_layer

    digests: dict[str, str] = {}
    contents = read_layer(args.layer, args, digests)
    vulns = layer_vulns(contents, args) if args.vulns or args.advisories else None
    built, attested = _provenance(args, contents, digests)
    if args.format == "cyclonedx":
        from layergate.layer import sbom

        text = sbom.render(contents, vulns)
    elif args.format == "json":
        text = inspect_report.render_json(contents, vulns, built)
    else:
        text = inspect_report.render_text(contents, vulns, built)
    sys.stdout.write(text)
    sys.stdout.flush()
    if not contents.complete:
        print(f"layergate: {contents.source}: not every entry was read; see the problems listed", file=sys.stderr)
    failed = attested is not None and not attested
    return 1 if contents.problems or (vulns is not None and vulns.vulnerable) or failed else 0


def _provenance(args: argparse.Namespace, contents: LayerContents,
                digests: dict[str, str]) -> tuple[list[str], bool | None]:
    """Lines saying where the layer was built (recorded by lock, or verified now) and, with --provenance,
    whether its attestation passed."""
    from layergate.layer.inputs import policy_of
    from layergate.layer.remote import is_arn
    from layergate.provenance import cli as provenance

    policy = policy_of(args)
    lines = []
    built = provenance.recorded(policy, args.layer) if is_arn(args.layer) else None
    if built is not None:
        lines.append(f"recorded: {built}")
    if not provenance.wanted(args):
        return lines, None
    if not contents.archive_sha256:
        from layergate.errors import InputError

        raise InputError("--provenance needs a layer .zip (an attestation is of one file's digest)", args.layer)
    provenance.require_libraries()
    verdict = _verdict(args, policy, digests)
    return lines + provenance.verdict_lines(args.layer, verdict), verdict.ok


def _verdict(args: argparse.Namespace, policy: Any, digests: dict[str, str]) -> Any:
    from layergate.layer.remote import is_arn, parse_version_arn
    from layergate.provenance import assess, locate
    from layergate.provenance import cli as provenance

    given = provenance.given_files(args)
    if is_arn(args.layer):
        arn = parse_version_arn(args.layer)
        expected = assess.expectation(policy, arn)
        pattern = expected.attestation if expected else None
        return assess.assess(locate.places(given, pattern, arn, None), digests, expected, provenance.s3_reader(args))
    entries = [p for p in policy.publishers if p.provenance is not None
               and (args.publisher is None or p.account == args.publisher)]
    if args.publisher is not None and not entries:
        from layergate.errors import LayergateError

        raise LayergateError(f"--publisher: no publishers entry for account {args.publisher} has provenance:")
    expected = entries[0].provenance if len(entries) == 1 else None
    return assess.assess(locate.places(given, None, None, args.layer), digests, expected)


def layer_vulns(contents: LayerContents, args: argparse.Namespace) -> VulnReport:
    from layergate.vulns.match import match
    from layergate.vulns.options import online_source

    return match(contents.packages, online_source(args), paths=[f.path for f in contents.files],
                 binaries=[b.path for b in contents.binaries])
