"""`layergate scp`: service control policies that enforce the policy file's publishers in AWS Organizations."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

from layergate.arn import PARTITIONS
from layergate.errors import LayergateError


def account_id(text: str) -> str:
    if not re.fullmatch(r"\d{12}", text):
        raise argparse.ArgumentTypeError(f"expected a 12-digit account id, got {text!r}")
    return text


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "scp",
        help="generate AWS Organizations service control policies from the policy file",
        description="Write service control policies that deny creating or updating functions with layers "
        "from publishers the policy does not allow, layers on its deny list, and layer sharing. "
        "Each policy is printed on one line (compact JSON: the 5,120-character limit counts whitespace); "
        "when one policy cannot hold them, they are split by region and the split is reported on stderr. "
        "Exit 0: written; 2: no policy file, or the publishers cannot be expressed.",
    )
    p.add_argument("--policy", metavar="FILE", help="policy file (default: .layergate.yaml found from the cwd)")
    p.add_argument("--partition", choices=PARTITIONS, default="aws", help="partition of the organization")
    p.add_argument("--region", action="append", default=[], metavar="REGION",
                   help="deploy region to split by when one policy is too small (default: the policy's regions)")
    p.add_argument("--allow-account", action="append", default=[], type=account_id, metavar="ACCOUNT",
                   help="also allow layers published by this account, e.g. your own (repeatable)")
    p.add_argument("--allow-org-accounts", action="store_true",
                   help="also allow layers published by the accounts under org.accounts")
    p.add_argument("--sharing-role", action="append", default=[], metavar="ARN",
                   help="principal ARN pattern still allowed to call lambda:AddLayerVersionPermission (repeatable)")
    p.add_argument("--no-sharing-statement", action="store_true",
                   help="leave out the statement that denies lambda:AddLayerVersionPermission")
    p.add_argument("--out-dir", metavar="DIR", help="write layergate-scp-N.json files here instead of stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from layergate import catalog, policy
    from layergate.scp import SCP_MAX_CHARS, ScpOptions, generate

    path = args.policy or policy.find(".")
    if path is None:
        raise LayergateError("no .layergate.yaml found: `layergate scp` writes SCPs from a policy file "
                             "(run `layergate init` to start one, or pass --policy)")
    loaded = policy.load(path)
    accounts = list(args.allow_account)
    if args.allow_org_accounts:
        accounts.extend(loaded.org.accounts)
    options = ScpOptions(
        partition=args.partition,
        regions=tuple(dict.fromkeys(args.region)),
        allow_accounts=tuple(dict.fromkeys(accounts)),
        sharing_roles=tuple(args.sharing_role),
        sharing_statement=not args.no_sharing_statement,
    )
    result = generate(loaded, catalog.load(), options)
    texts = result.texts()
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.out_dir:
        write_files(args.out_dir, texts, SCP_MAX_CHARS)
    else:
        for text in texts:
            sys.stdout.write(text + "\n")
    return 0


def write_files(directory: str, texts: list[str], limit: int) -> None:
    try:
        os.makedirs(directory, exist_ok=True)
        for i, text in enumerate(texts, 1):
            path = os.path.join(directory, f"layergate-scp-{i}.json")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            print(f"{path}: {len(text)} of {limit} characters, {len(json.loads(text)['Statement'])} statements")
    except OSError as exc:
        raise LayergateError(f"--out-dir: cannot write: {exc.strerror or exc}", directory) from None
