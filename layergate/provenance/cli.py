"""What the commands share about provenance: the options, the libraries it needs, and how a verdict reads.

Imported when the CLI builds its parser: it imports nothing heavy (sigstore and cryptography only inside
``require_libraries`` and the verifier).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from layergate.errors import LayergateError

if TYPE_CHECKING:
    from layergate.model import BuiltFrom
    from layergate.policy import Policy
    from layergate.provenance.locate import S3Get
    from layergate.provenance.verify import Verdict

INSTALL = "pip install 'layergate[provenance]'"


def add_options(parser: argparse.ArgumentParser, *, local: bool) -> None:
    group = parser.add_argument_group("build provenance (Sigstore bundles or key-signed DSSE, verified offline)")
    group.add_argument("--provenance", action="store_true",
                       help="verify the build provenance attestation of "
                       + ("the layer" if local else "every internal layer version")
                       + " against the policy's publishers provenance: (LG306, LG307, LG308)")
    group.add_argument("--attestation", action="append", default=[], metavar="FILE",
                       help="an attestation file to try (repeatable; implies --provenance); also looked for: "
                       "the publisher's provenance.attestation pattern"
                       + (" and FILE.sigstore.json, .sigstore, .intoto.jsonl, .dsse.json beside a local zip"
                          if local else ""))
    if local:
        group.add_argument("--publisher", metavar="ACCOUNT",
                           help="whose provenance: expectation a local zip is held against (default: the only "
                           "publishers entry that has one)")


def wanted(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "provenance", False) or getattr(args, "attestation", None))


def require_libraries() -> None:
    """sigstore (and cryptography, which it brings) are an optional extra: say how to get them."""
    try:
        import cryptography  # noqa: F401
        import sigstore  # noqa: F401
    except ImportError as e:
        raise LayergateError(f"--provenance needs the sigstore library ({e.name} is not installed): "
                             f"{INSTALL}") from None


def given_files(args: argparse.Namespace) -> list[str]:
    """``--attestation`` files must exist: a typo is a usage error, not a missing attestation."""
    import os

    for path in args.attestation:
        if not os.path.isfile(path):
            raise LayergateError("--attestation: no such file", path)
    return list(args.attestation)


def s3_reader(args: argparse.Namespace) -> S3Get:
    """Reads an ``s3://`` attestation place with the command's ``--profile`` and ``--endpoint-url``."""
    from layergate.provenance.s3_place import reader

    return reader(getattr(args, "profile", None), getattr(args, "endpoint_url", None))


def recorded(policy: Policy, arn: str) -> BuiltFrom | None:
    entry = policy.reviewed(arn)
    return entry.provenance if entry is not None else None


def verdict_lines(subject: str, verdict: Verdict) -> list[str]:
    """``verified: built from ...`` or one ``LG30x error  ...`` line per problem."""
    if verdict.ok and verdict.built_from is not None:
        return [f"verified: {verdict.built_from} (attestation {verdict.attestation})"]
    return [f"{p.rule_id} error  {subject} {p.message}" for p in verdict.problems]
