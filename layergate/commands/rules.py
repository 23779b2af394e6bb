"""`layergate rules` and `layergate explain ID`: the rule catalog, from the one place rules are declared."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from layergate.errors import LayergateError


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("rules", help="list every rule with its id, slug and severity")
    p.add_argument("--format", "-f", choices=["text", "json"], default="text")
    p.set_defaults(func=run)
    e: argparse.ArgumentParser = sub.add_parser("explain", help="print a rule's documentation")
    e.add_argument("rule", metavar="ID", help="rule id (LG201) or slug (publisher-not-allowed)")
    e.set_defaults(func=run_explain)


def run(args: argparse.Namespace) -> int:
    from layergate.checks import all_rules

    rules = all_rules()
    if args.format == "json":
        doc = [
            {"id": r.id, "slug": r.slug, "severity": str(r.severity), "title": r.title, "fix": r.fix,
             "online": r.online}
            for r in rules
        ]
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return 0
    width = max((len(r.slug) for r in rules), default=10)
    for r in rules:
        where = "  (online)" if r.online else ""
        print(f"{r.id}  {r.slug:<{width}}  {r.severity!s:<7}  {r.title}{where}")
    return 0


def run_explain(args: argparse.Namespace) -> int:
    from layergate.checks import find_rule
    from layergate.ruledocs import readme

    rule = find_rule(args.rule)
    if rule is None:
        raise LayergateError(f"no rule {args.rule!r}; `layergate rules` lists them")
    text = readme(rule)
    if text is None:
        text = f"# {rule.id} {rule.slug}\n\n{rule.title}\n\nFix: {rule.fix}\n"
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
