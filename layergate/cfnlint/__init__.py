"""layergate's rules inside cfn-lint: ``cfn-lint template.yaml --append-rules layergate.cfnlint``.

Each offline layergate rule becomes a cfn-lint rule whose id keeps the layergate number behind a ``9``
and takes its letter from the rule's default severity (LG201 error -> E9201, LG101 warning -> W9101, a
note -> I9xxx, which cfn-lint shows only with ``--include-checks I``). The template cfn-lint is linting is
read by layergate's own CloudFormation/SAM parser, and the policy is found as ``layergate check`` finds it:
walking up from the template to the repository root. E9000 says layergate could not check the template
(an invalid policy, an unreadable template) so that a broken setup never looks like a clean one.

Only cfn-lint imports this package; ``layergate check`` never does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from layergate.cfnlint import _base

ERROR_ID = _base.ERROR_ID


class LayergateFailure(CloudFormationLintRule):  # type: ignore[misc]
    id = ERROR_ID
    shortdesc = "layergate could not check the template"
    description = "The policy file or the template could not be read by layergate, so no layer rule ran."
    source_url = "https://github.com/layergate/layergate/blob/main/docs/integrations.md"
    tags = ["layergate"]

    def match(self, cfn: Any) -> Iterator[RuleMatch]:
        outcome = _base.outcome_for(cfn)
        if outcome.error:
            yield RuleMatch([], f"layergate: {outcome.error}", location=(0, 0, 0, 0))


def _rule_classes() -> dict[str, type]:
    from layergate import checks
    from layergate.ruledocs import help_uri

    classes: dict[str, type] = {}
    for module in checks.modules():
        if not (hasattr(module, "check") or hasattr(module, "check_policy")):
            continue  # online rules: their findings come from `layergate verify`
        rule = module.RULE
        name = f"Layergate{rule.id}"
        classes[name] = type(name, (_base.LayergateRule,), {
            "__module__": __name__,
            "id": _base.cfn_lint_id(rule),
            "shortdesc": f"{rule.id} {rule.slug}: {rule.title}",
            "description": f"{rule.title}. Fix: {rule.fix}",
            "source_url": help_uri(rule),
            "tags": ["layergate", "lambda", "layers", rule.slug],
            "lg_rule": rule,
        })
    return classes


# cfn-lint instantiates every rule class it finds in this module: one per layergate rule.
globals().update(_rule_classes())
