"""LG305 unsigned-internal-layer: a function loads an internal layer without code signing that enforces the policy.

A layer is internal when its account is under ``org.accounts`` or its ``publishers:`` entry says
``internal: true``; a publisher entry with ``signing_profiles`` asks for signing too. A function loading
such a layer needs a code signing config whose ``UntrustedArtifactOnDeployment`` is ``Enforce`` (``Warn``,
the default, deploys unsigned code all the same), and that config may allow only the signing profiles the
policy lists for the publishers of the layers the function loads. A config the deployment does not define,
or a value layergate cannot determine, cannot be judged: reported (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate import signing
from layergate.checks import Context
from layergate.checks.common import external_arns, first_few, function
from layergate.model import CodeSigningConfig, Finding, Function, LayerRef, Scan, Severity
from layergate.records import dataclass
from layergate.rule import Rule

RULE = Rule(
    id="LG305",
    slug="unsigned-internal-layer",
    severity=Severity.ERROR,
    title="Function loads an internal layer without a code signing config that enforces the policy's profiles",
    fix="Give the function a code signing config with UntrustedArtifactOnDeployment: Enforce that allows only "
    "the signing_profiles the policy lists for the layer's publisher.",
)


@dataclass(frozen=True, slots=True)
class _Needs:
    """One function's signed layers: the first entry (where findings point) and what the policy lists."""

    ref: LayerRef
    arn: str
    publishers: tuple[str, ...]
    profiles: tuple[str, ...]


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    needs = _needs(scan, ctx)
    if not needs:
        return
    configs = {c.id: c for c in scan.signing_configs}
    users: dict[str, list[tuple[Function, _Needs]]] = {}
    for fn in scan.functions:
        need = needs.get(fn.id)
        if need is None:
            continue
        use = fn.code_signing
        what = f"{function(need.ref)} loads {need.arn} from internal publisher {first_few(list(need.publishers))}"
        if use is None:
            yield RULE.finding(need.ref.location, f"{what} and has no code signing config: Lambda deploys it "
                               "unsigned", arn=need.arn, consumer=fn.id)
        elif use.problem:
            yield RULE.finding(use.location, f"{what}; its code signing config {use.problem}, so layergate "
                               "cannot tell whether it enforces signing", arn=need.arn, consumer=fn.id)
        elif not use.local or use.config not in configs:
            yield RULE.finding(use.location, f"{what}; its code signing config {use.config} is not defined in "
                               "this deployment, so layergate cannot tell whether it enforces signing",
                               arn=need.arn, consumer=fn.id)
        else:
            users.setdefault(use.config, []).append((fn, need))
    for config_id, used in users.items():
        yield from _judge_config(configs[config_id], used)


def _needs(scan: Scan, ctx: Context) -> dict[str, _Needs]:
    """Per function, its layers that must be signed (first entry, publishers and listed profiles)."""
    found: dict[str, tuple[LayerRef, str, dict[str, None], dict[str, None]]] = {}
    decided: dict[str, signing.Requirement | None] = {}
    for ref, arn, text in external_arns(scan):
        if text not in decided:
            decided[text] = signing.requirement(ctx.policy, ctx.catalog, arn)
        req = decided[text]
        if req is None:
            continue
        slot = found.setdefault(ref.consumer, (ref, text, {}, {}))
        slot[2][req.publisher] = None
        slot[3].update(dict.fromkeys(req.profiles))
    return {fn: _Needs(ref, text, tuple(pubs), tuple(profiles)) for fn, (ref, text, pubs, profiles) in found.items()}


def _judge_config(config: CodeSigningConfig, used: list[tuple[Function, _Needs]]) -> Iterator[Finding]:
    names = [fn.id for fn, _ in used]
    related = tuple(names)
    subject = f"code signing config {config.id} of function{'s' if len(names) > 1 else ''} {first_few(names)}"
    if config.problem:
        yield RULE.finding(config.enforcement_location, f"{subject}: {config.problem}", consumer=config.id,
                           related=related)
    elif config.enforcement != "Enforce":
        yield RULE.finding(config.enforcement_location,
                           f"{subject} has UntrustedArtifactOnDeployment {config.enforcement}: Lambda deploys "
                           "unsigned or wrongly signed layers all the same", consumer=config.id, related=related)
    if not config.profiles:
        yield RULE.finding(config.location, f"{subject} allows no signing profile", consumer=config.id,
                           related=related)
    for profile in config.profiles:
        if profile.problem:
            yield RULE.finding(profile.location, f"{subject} allows a signing profile layergate cannot "
                               f"determine: {profile.problem}", consumer=config.id, related=related)
            continue
        shown = profile.arn or f"named {profile.name}"
        for fn, need in used:
            if not signing.profile_listed(profile.arn, profile.name, need.profiles):
                listed = ", ".join(need.profiles) if need.profiles else "none"
                yield RULE.finding(profile.location,
                                   f"{subject} allows signing profile {shown}, which the policy does not list "
                                   f"for {first_few(list(need.publishers))} (signing_profiles: {listed})",
                                   consumer=config.id, related=(fn.id,))
                break
