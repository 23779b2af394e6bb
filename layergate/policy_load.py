"""Finding and loading the policy file.

``find()`` walks up from the scanned path. ``load()`` goes YAML nodes -> plain values -> JSON Schema ->
checks the schema cannot express -> frozen records, and raises one ``ErrorList`` naming every problem
with its file:line:column, so a broken policy is fixed in one pass.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable

from layergate import policy_schema, schema_subset, yamlnodes
from layergate.errors import ErrorList, InputError, PolicyError
from layergate.model import BuiltFrom, Location, Severity
from layergate.policy import (
    DEFAULT_EXCLUDES,
    GITHUB_ISSUER,
    POLICY_FILENAMES,
    DenyEntry,
    DeployAccounts,
    IgnoreEntry,
    OrgInfo,
    Policy,
    ProvenanceExpectation,
    PublisherAllow,
    ReviewedLayer,
    UpgradeIgnore,
    UpgradePolicy,
    VulnerabilityIgnore,
    VulnerabilityPolicy,
)
from layergate.policy_checks import semantic_problems
from layergate.policy_schema import Path, Problem, show
from layergate.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI
if TYPE_CHECKING:
    from typing import Any

MAX_VALUES = 100_000  # values after alias expansion; a real policy holds a few thousand at most
_Y = "tag:yaml.org,2002:"
_LONG_NUMBER = re.compile(r"[0-9]{12,}")


def find(start: str) -> str | None:
    """The policy file that applies to ``start`` (a file or directory), or None.

    Looks in the directory of ``start`` and each parent, up to and including the first one that holds
    ``.git`` (the repository root), or up to the filesystem root outside a repository. The path is
    returned relative to the working directory when the file lies below it.
    """
    here = os.path.abspath(start)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    while True:
        found = [os.path.join(here, n) for n in POLICY_FILENAMES if os.path.lexists(os.path.join(here, n))]
        if len(found) > 1:
            raise PolicyError(f"both {' and '.join(POLICY_FILENAMES)} exist; keep one", _shown(here))
        if found:
            if not os.path.isfile(found[0]):
                raise PolicyError("is not a regular file", _shown(found[0]))
            return _shown(found[0])
        if os.path.lexists(os.path.join(here, ".git")):
            return None
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _shown(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive
        return path
    return path if rel == ".." or rel.startswith(".." + os.sep) else rel


def load(path: str) -> Policy:
    """Read, validate and build the policy in ``path``; ErrorList of PolicyErrors on any problem."""
    try:
        root = yamlnodes.load_text(path)
    except InputError as exc:
        raise ErrorList([PolicyError(exc.message, exc.file or path, exc.line, exc.column)]) from None
    if root is None:
        raise ErrorList([PolicyError("the policy file is empty; it must at least say 'version: 1'", path)])
    if not isinstance(root, MappingNode):
        raise ErrorList([PolicyError("a policy file is a mapping (version: 1, publishers: ...), not "
                                     + ("a list" if isinstance(root, SequenceNode) else "a single value"),
                                     path, *yamlnodes.line_col(root))])
    data = _plain(root, path)
    _check_version(root, data, path)
    found = policy_schema.problems(data)
    found += semantic_problems(data, {p.path for p in found}, lambda p: _line_of(root, p))
    if found:
        errors = [_error(root, path, p) for p in found]
        errors.sort(key=lambda e: (e.line, e.column))
        raise ErrorList(list(errors))
    return _build(root, data, path)


def _check_version(root: MappingNode, data: dict[str, Any], path: str) -> None:
    """A file for another format version would otherwise bury the one real problem under noise."""
    if "version" not in data:
        return
    v = data["version"]
    if schema_subset.equal(v, 1):
        return
    node = yamlnodes.get(root, "version")
    where = yamlnodes.line_col(node) if node is not None else (0, 0)
    raise ErrorList([PolicyError(f"version: {show(v)} is not a policy version this layergate reads "
                                 "(it reads version 1)", path, *where)])


# --- YAML nodes to plain values ------------------------------------------------------------------------------


def _plain(root: Node, file: str) -> Any:
    """Like yamlnodes.to_python, but typed for a policy: long digit strings (account ids, digests) stay
    strings as written (``012345678901`` keeps its zero), dates stay text, and tags are refused."""
    budget = MAX_VALUES

    def conv(n: Node) -> Any:
        nonlocal budget
        budget -= 1
        if budget < 0:
            raise ErrorList([PolicyError(f"aliases expand to more than {MAX_VALUES:,} values", file,
                                         *yamlnodes.line_col(n))])
        if isinstance(n, MappingNode):
            out: dict[str, Any] = {}
            for k, v in n.value:
                if not isinstance(k, ScalarNode) or not k.tag.startswith(_Y):
                    raise ErrorList([PolicyError("keys must be plain strings", file, *yamlnodes.line_col(k))])
                out[str(k.value)] = conv(v)
            return out
        if isinstance(n, SequenceNode):
            return [conv(v) for v in n.value]
        return _scalar(n, file)

    return conv(root)


def _scalar(n: Node, file: str) -> Any:
    tag, text = n.tag, str(n.value)
    if tag in (_Y + "str", _Y + "timestamp"):
        return text
    if tag == _Y + "null":
        return None
    if tag == _Y + "bool":
        return text.lower() in ("true", "yes", "on")
    if tag == _Y + "int":
        digits = text.replace("_", "")
        if _LONG_NUMBER.fullmatch(digits):
            return text
        try:
            return int(digits, 10)
        except ValueError:  # 0x1f, 1:30 and other YAML 1.1 curiosities: keep the text for the schema
            return text
    if tag == _Y + "float":
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return text
    raise ErrorList([PolicyError(f"the YAML tag {tag!r} has no meaning in a policy file", file,
                                 *yamlnodes.line_col(n))])


# --- where a problem is ------------------------------------------------------------------------------------


def _node_at(root: Node, path: Path, at_key: bool = False) -> Node:
    """The node at ``path`` (or its key node); the deepest existing node when the path runs out."""
    node = root
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(part, int) and isinstance(node, SequenceNode) and part < len(node.value):
            node = node.value[part]
        elif isinstance(part, str) and isinstance(node, MappingNode):
            pair = next(((k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == part), None)
            if pair is None:
                return node
            node = pair[0] if last and at_key else pair[1]
        else:
            return node
    return node


def _line_of(root: Node, path: Path) -> int:
    return yamlnodes.line_col(_node_at(root, path))[0]


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _error(root: Node, file: str, p: Problem) -> PolicyError:
    line, col = yamlnodes.line_col(_node_at(root, p.path, p.at_key))
    name = dotted(p.path[:-1] if p.at_key else p.path)
    return PolicyError(f"{name}: {p.message}" if name else p.message, file, line, col)


# --- records -----------------------------------------------------------------------------------------------


def _build(root: Node, data: dict[str, Any], file: str) -> Policy:
    def loc(*path: str | int) -> Location:
        line, col = yamlnodes.line_col(_node_at(root, path))
        return Location(file, line, col, dotted(path))

    from layergate import catalog

    cat = catalog.load()
    publishers = []
    for i, e in enumerate(data.get("publishers", [])):
        vendor = cat.vendor(e["vendor"]) if "vendor" in e else None
        publishers.append(PublisherAllow(
            vendor=vendor.key if vendor else None,
            account=e.get("account"),
            name=e.get("name") or (vendor.name if vendor else e.get("account", "")),
            layers=tuple(e.get("layers", ())),
            location=loc("publishers", i),
            internal=e.get("internal", False),
            signing_profiles=tuple(e.get("signing_profiles", ())),
            provenance=_provenance(e.get("provenance"), file),
        ))
    org = data.get("org", {})
    excludes = tuple(data.get("exclude", ()))
    if data.get("exclude_defaults", True):
        excludes = DEFAULT_EXCLUDES + tuple(x for x in excludes if x not in DEFAULT_EXCLUDES)
    return Policy(
        path=file,
        version=1,
        regions=tuple(data.get("regions", ())),
        deploy_accounts=tuple(DeployAccounts(tuple(e["accounts"]), e.get("path"))
                              for e in data.get("deploy_accounts", [])),
        fail_on=Severity.parse(data.get("fail_on", "error")),
        publishers=tuple(publishers),
        org=OrgInfo(org.get("id"), tuple(org.get("accounts", ()))),
        layers=tuple(
            ReviewedLayer(
                arn=_canonical_arn(e["arn"]),
                sha256=e["sha256"].lower() if "sha256" in e else None,
                reviewed_by=e.get("reviewed_by"),
                reviewed_at=to_date(e.get("reviewed_at")),
                extension=e.get("extension", False),
                note=e.get("note", ""),
                location=loc("layers", i),
                code_size=e.get("code_size"),
                recorded_at=e.get("recorded_at"),
                provenance=_built_from(e.get("provenance")),
                signing_profile=e.get("signing_profile"),
                signing_job=e.get("signing_job"),
            )
            for i, e in enumerate(data.get("layers", []))
        ),
        max_review_age_days=data.get("max_review_age_days"),
        deny=tuple(DenyEntry(e["arn"], e.get("reason", ""), loc("deny", i))
                   for i, e in enumerate(data.get("deny", []))),
        ignore=tuple(
            IgnoreEntry(e["rule"], e["reason"], loc("ignore", i), arn=e.get("arn"), file=e.get("file"),
                        resource=e.get("resource"), expires=to_date(e.get("expires")))
            for i, e in enumerate(data.get("ignore", []))
        ),
        vulnerabilities=_vulnerabilities(data, loc),
        exclude=excludes,
        upgrade=_upgrade(data.get("upgrade", {}), loc),
    )


def _upgrade(section: dict[str, Any], loc: Any) -> UpgradePolicy:
    return UpgradePolicy(
        cooldown_days=section.get("cooldown_days", 0),
        ignore=tuple(UpgradeIgnore(e["layer"], tuple(e.get("versions", ())), e.get("reason", ""),
                                   loc("upgrade", "ignore", i))
                     for i, e in enumerate(section.get("ignore", []))),
    )


def _provenance(e: dict[str, Any] | None, file: str) -> ProvenanceExpectation | None:
    if e is None:
        return None
    here = os.path.dirname(file)
    return ProvenanceExpectation(
        repository=e.get("repository"), workflow=e.get("workflow"), ref=e.get("ref"),
        issuer=e.get("issuer", GITHUB_ISSUER),
        keys=tuple(os.path.join(here, k) for k in e.get("keys", ())),
        attestation=_place(here, e["attestation"]) if "attestation" in e else None,
    )


def _place(here: str, pattern: str) -> str:
    """A path pattern relative to the policy file's folder; a URL or ``s3://`` pattern as written."""
    from layergate.provenance.locate import is_remote

    return pattern if is_remote(pattern) else os.path.join(here, pattern)


def _built_from(e: dict[str, Any] | None) -> BuiltFrom | None:
    if e is None:
        return None
    return BuiltFrom(repository=e.get("repository", ""), commit=e.get("commit", ""), workflow=e.get("workflow", ""),
                     ref=e.get("ref", ""), attestation_sha256=e.get("attestation_sha256", ""))


def _vulnerabilities(data: dict[str, Any], loc: Callable[..., Location]) -> VulnerabilityPolicy:
    section = data.get("vulnerabilities")
    if section is None:
        return VulnerabilityPolicy()
    return VulnerabilityPolicy(
        fail_on=section.get("fail_on", "high"),
        ignore=tuple(VulnerabilityIgnore(e["id"], e["reason"], loc("vulnerabilities", "ignore", i),
                                         expires=to_date(e.get("expires")))
                     for i, e in enumerate(section.get("ignore", []))),
        declared=True,
    )


def _canonical_arn(text: str) -> str:
    from layergate.arn import LayerArn

    return str(LayerArn.parse(text))


def to_date(value: Any) -> dt.date | None:
    """A YYYY-MM-DD string or a date (what a YAML timestamp becomes elsewhere) as a date."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value))
