"""AWS Signer code signing: which layers must be signed, by which profiles, and how a profile is named.

Shared by the static rule (LG305, over code signing configs a deployment defines) and the online one
(LG309, over what ``GetLayerVersion`` says signed a layer version). A layer must be signed when it comes
from an internal publisher (an ``org.accounts`` account, or a ``publishers:`` entry with ``internal: true``)
or from a publisher whose entry lists ``signing_profiles``; the profiles allowed to sign it are those its
matching entries list.
"""

from __future__ import annotations

import re

from layergate.arn import LayerArn
from layergate.records import dataclass

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI

if TYPE_CHECKING:
    from layergate.catalog import Catalog
    from layergate.policy import Policy

# arn:aws:signer:us-east-1:123456789012:/signing-profiles/LayerSigning/a1b2c3d4e5 (the version is optional)
_PROFILE_ARN = re.compile(r"^arn:aws[a-z-]*:signer:[a-z0-9-]+:\d{12}:/signing-profiles/([^/]+)(?:/([^/]+))?$")


@dataclass(frozen=True, slots=True)
class Requirement:
    """What the policy asks of the signature of one layer's versions."""

    publisher: str  # how messages name the publisher: the entry's name, or the org account
    internal: bool  # an internal publisher (needs an enforcing config even without listed profiles)
    profiles: tuple[str, ...]  # listed signing profiles (version ARNs or names); empty: none listed


def requirement(policy: Policy, catalog: Catalog, arn: LayerArn) -> Requirement | None:
    """The signing requirement for layers like ``arn``, or None when the policy asks for none."""
    from layergate.checks.publisher_not_allowed import account_matches, name_matches

    if arn.managed:
        return None
    entries = [e for e in policy.publishers
               if account_matches(e, arn, catalog) and name_matches(e, arn)]
    profiles = tuple(dict.fromkeys(p for e in entries for p in e.signing_profiles))
    in_org = arn.account in policy.org.accounts
    internal = in_org or any(e.internal for e in entries)
    if not internal and not profiles:
        return None
    named = next((e for e in entries if e.internal or e.signing_profiles), entries[0] if entries else None)
    label = named.name if named is not None else arn.account
    return Requirement(label, internal, profiles)


def profile_name(arn: str) -> str | None:
    """The profile name in a signing profile (version) ARN; None when ``arn`` is not one."""
    match = _PROFILE_ARN.match(arn)
    return match[1] if match else None


def is_profile_arn(text: str) -> bool:
    return _PROFILE_ARN.match(text) is not None


def profile_listed(arn: str, name: str, listed: tuple[str, ...]) -> bool:
    """Whether a profile (its version ARN, or only its name when the ARN is not known) is one ``listed``
    names: by the exact version ARN, by the profile ARN without version, or by the profile's name."""
    name = name or profile_name(arn) or ""
    for entry in listed:
        if arn and (entry == arn or arn.startswith(entry + "/")):
            return True
        if not is_profile_arn(entry) and name and entry == name:
            return True
    return False
