"""``inventory --vulns``: the known vulnerabilities of every deployed layer version, and their findings.

``assess`` matches the packages of every layer version in use (read by ``layer_contents`` while the
inventory described it) in one request to the advisory source. A layer version whose packages could not be
read, or all of them when the advisory lookup fails, is "not checked" with the reason: never clean.

Findings are made per account and region that loads a layer version (where its functions run, so Security
Hub files them under the account at risk), located at the layer version ARN and naming its functions:
LG603 per package and vulnerability (severity from the policy's ``vulnerabilities.fail_on``; an
``vulnerabilities.ignore`` entry in force accepts it), LG604 for content that could not be matched or read,
LG605 for every layer version left unchecked because the advisory lookup failed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from layergate.arn import try_parse
from layergate.checks import Context, find_rule
from layergate.errors import LayergateError
from layergate.inventory.model import FunctionRecord, Inventory, source, uses
from layergate.model import Finding, Location
from layergate.records import dataclass
from layergate.rule import Rule
from layergate.vulns.model import AdvisorySource, PackageResult, Vulnerability, VulnReport


@dataclass(frozen=True, slots=True)
class LayerVulns:
    arn: str
    report: VulnReport | None  # None: not checked
    problem: str = ""  # why it was not checked

    def not_matched(self) -> list[str]:
        if self.report is None:
            return []
        return ([f"{r.package.display()} ({r.not_matched})" for r in self.report.not_matched]
                + [f"{u.path} ({u.reason})" for u in self.report.unmatched_files])


@dataclass(frozen=True, slots=True)
class VulnScan:
    source: str
    layers: tuple[LayerVulns, ...]  # every layer version in use, sorted by ARN
    problem: str = ""  # the advisory lookup failed: every readable layer version is unchecked

    def of(self, arn: str) -> LayerVulns | None:
        return next((lv for lv in self.layers if lv.arn == arn), None)

    def index(self) -> dict[str, LayerVulns]:
        return {lv.arn: lv for lv in self.layers}


Detail = tuple[Finding, PackageResult, Vulnerability]


def assess(inv: Inventory, advisories: AdvisorySource) -> VulnScan:
    from layergate.vulns.match import match_many

    facts = inv.facts()
    unchecked: dict[str, str] = {}
    readable = {}
    for text in sorted({u.text for u in uses(inv)}):
        f = facts.get(text)
        if f is None:
            unchecked[text] = "not a layer version AWS could be asked about"
        elif f.problem:
            unchecked[text] = f"AWS does not describe it: {f.problem}"
        elif f.contents is None:
            unchecked[text] = "its content was not read"
        elif f.contents.unread:
            unchecked[text] = f"its content could not be read: {f.contents.unread}"
        else:
            readable[text] = f.contents
    problem = ""
    reports: dict[str, VulnReport] = {}
    try:
        found = match_many([(c.packages, c.paths, c.binaries) for c in readable.values()], advisories)
        reports = dict(zip(readable, found, strict=True))
    except LayergateError as exc:
        problem = f"the advisory lookup failed: {exc}"
        unchecked.update(dict.fromkeys(readable, problem))
    layers = [LayerVulns(t, None, unchecked[t]) for t in unchecked] + [LayerVulns(t, r) for t, r in reports.items()]
    return VulnScan(advisories.description, tuple(sorted(layers, key=lambda lv: lv.arn)), problem)


def findings(inv: Inventory, scan: VulnScan, ctx: Context) -> tuple[list[Finding], list[Detail]]:
    """Every finding, and for each LG603 the package and vulnerability it is about (for ASFF)."""
    from layergate.checks.common import first_few, publisher
    from layergate.checks.known_vulnerability import verdict
    from layergate.vulns.report import fixed_text

    out: list[Finding] = []
    details: list[Detail] = []
    index = scan.index()
    for (account, region, text), functions in _loaders(inv).items():
        lv = index.get(text)
        arn = try_parse(text)
        if lv is None or arn is None:
            continue
        names = sorted(fn.consumer for fn in functions)
        where = (f"{text} from {publisher(ctx, arn)}, loaded by "
                 f"{'function' if len(names) == 1 else f'{len(names)} functions'} {first_few(names)}")
        location = Location(source(account, region), path=text)
        if lv.report is None:
            if lv.problem == scan.problem and scan.problem:
                out.append(_rule("LG605").finding(location, f"{where}: not checked for known vulnerabilities: "
                                                  f"{lv.problem}", arn=text))
            elif lv.problem.startswith("its content could not be read"):
                out.append(_rule("LG604").finding(location, f"{where}: not checked for known vulnerabilities, not "
                                                  f"known to be clean: {lv.problem}", arn=text))
            continue
        for result in lv.report.vulnerable:
            for v in result.vulnerabilities:
                decided = verdict(v, ctx)
                if decided is None:
                    continue
                severity, expired = decided
                f = _rule("LG603").finding(
                    location, f"{where}: {result.package.display()} ({result.package.path}) has {v.label()}, "
                    f"severity {v.rating.text()}, {fixed_text(v)}: {v.summary}{expired}", arn=text, severity=severity)
                out.append(f)
                details.append((f, result, v))
        items = lv.not_matched()
        if items:
            noun = "1 item" if len(items) == 1 else f"{len(items)} items"
            out.append(_rule("LG604").finding(location, f"{where}: {noun} not matched against advisories, not known "
                                              f"to be clean: {first_few(items)}", arn=text))
    return out, details


def _loaders(inv: Inventory) -> dict[tuple[str, str, str], list[FunctionRecord]]:
    """(account, region, layer version ARN) -> the functions there that load it."""
    found: dict[tuple[str, str, str], list[FunctionRecord]] = defaultdict(list)
    for u in uses(inv):
        found[(u.function.account, u.function.region, u.text)].append(u.function)
    return found


def loaded_by(inv: Inventory) -> dict[str, list[FunctionRecord]]:
    """Layer version ARN -> every function that loads it."""
    found: dict[str, list[FunctionRecord]] = defaultdict(list)
    for u in uses(inv):
        found[u.text].append(u.function)
    return found


def rows(scan: VulnScan) -> Iterator[tuple[LayerVulns, PackageResult, Vulnerability]]:
    for lv in scan.layers:
        if lv.report is not None:
            for result in lv.report.vulnerable:
                for v in result.vulnerabilities:
                    yield lv, result, v


def _rule(name: str) -> Rule:
    rule = find_rule(name)
    if rule is None:
        raise RuntimeError(f"rule {name} is not registered in layergate.checks")
    return rule
