"""Every command line README.md and docs/*.md show is run here, exactly as written, in a prepared directory.

tests/doc_commands.py reads the command lines from the fenced code blocks. Each has an entry in CASES (how
its directory is prepared and the exit status it must end with) or in SKIPPED (why it cannot run here); a
command line added to the docs without either fails ``test_every_documented_command_is_run_or_skipped``.
``layergate`` runs from this checkout, ``cfn-lint`` from this environment, ``serverless`` is osls and
``terraform`` the real binary; AWS is moto on loopback (``AWS_ENDPOINT_URL_LAMBDA``), with dummy keys.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from doc_commands import DocCommand, doc_commands
from integration_tools import missing, node_modules
from inventory_world import org_fixture  # noqa: F401 (the organization for the inventory example)
from layer_builder import write_review_layer

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
Setup = Callable[["Sandbox"], Path]


@dataclass
class Sandbox:
    """A throwaway repository (it has a .git folder, so no policy above it applies) and what runs in it."""

    root: Path
    env: dict[str, str]
    request: pytest.FixtureRequest
    world: object | None = None

    def copy(self, source: Path, target: str = ".") -> Path:
        destination = self.root / target
        shutil.copytree(source, destination, dirs_exist_ok=True)
        return destination

    def lambda_world(self) -> object:
        if self.world is None:
            self.world = self.request.getfixturevalue("doc_world")
            self.env["AWS_ENDPOINT_URL_LAMBDA"] = self.world.url  # type: ignore[attr-defined]
        return self.world


@dataclass(frozen=True)
class Case:
    setup: Setup | None  # prepares the directory (None: the session's directory as it is); returns the cwd
    status: int
    check: Callable[[Path, subprocess.CompletedProcess[str]], None] | None = None
    needs: tuple[str, ...] = field(default=())  # "osls", "terraform"


def _examples(box: Sandbox) -> Path:
    box.copy(REPO / "examples", "examples")
    return box.root


def _examples_root(box: Sandbox) -> Path:
    box.copy(REPO / "examples")
    return box.root


def _no_policy(box: Sandbox) -> Path:
    _examples_root(box)
    (box.root / ".layergate.yaml").unlink()
    return box.root


def _git_repo(box: Sandbox) -> Path:
    """The examples committed, with the commit as origin/main (what a clone with fetch-depth: 0 has)."""
    _examples_root(box)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]
    shutil.rmtree(box.root / ".git")
    for step in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "examples"],
                 ["update-ref", "refs/remotes/origin/main", "HEAD"]):
        subprocess.run([*git, *step], cwd=box.root, check=True, capture_output=True)
    return box.root


def _sam_app(box: Sandbox) -> Path:
    return box.copy(REPO / "examples" / "sam-app", "app")


def _params(box: Sandbox) -> Path:
    return box.copy(FIXTURES / "cloudformation" / "params", "stack")


def _stack_json(box: Sandbox) -> Path:
    """A CloudFormation JSON stack whose layer version is a parameter, and its committed parameter file."""
    work = box.root / "stack"
    (work / "params").mkdir(parents=True)
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"LayerVersion": {"Type": "Number", "Default": 56},
                       "Stage": {"Type": "String", "Default": "dev"}},
        "Resources": {"Api": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "app.handler", "Role": "arn:aws:iam::123456789012:role/x",
            "Code": {"ZipFile": "def handler(e, c): pass"},
            "Layers": [{"Fn::Sub": "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:${LayerVersion}"}],
        }}},
    }
    (work / "stack.json").write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
    (work / "params" / "prod.json").write_text(
        json.dumps([{"ParameterKey": "Stage", "ParameterValue": "prod"}]) + "\n", encoding="utf-8")
    return work


def _layer_zips(box: Sandbox) -> Path:
    write_review_layer(box.root / "vendor-layer-v1.zip", 1)
    write_review_layer(box.root / "vendor-layer-v2.zip", 2)
    return box.root


def _vendor_12(box: Sandbox) -> Path:
    world = box.lambda_world()
    for _ in range(12):
        world.publish("123456789012", "us-east-1", "vendor")  # type: ignore[attr-defined]
    return box.root


def _two_arns(box: Sandbox) -> Path:
    world = box.lambda_world()
    name = world.unique("vendor-diff")  # type: ignore[attr-defined]
    old = world.publish("123456789012", "us-east-1", name, {"python/a.py": "A = 1\n"})  # type: ignore[attr-defined]
    new = world.publish("123456789012", "us-east-1", name, {"python/a.py": "A = 2\n"})  # type: ignore[attr-defined]
    box.env.update(OLD_ARN=old.arn, NEW_ARN=new.arn)
    return box.root


OTEL_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::111111111111:role/x
      Code: {ZipFile: "def handler(e, c): pass"}
      Layers:
        - !Sub arn:aws:lambda:${AWS::Region}:111111111111:layer:otel-collector:1
"""


def _otel(box: Sandbox) -> Path:
    """docs/lock-verify.md's example: otel-collector:1 published by 111111111111 in both deploy regions."""
    world = box.lambda_world()
    published = getattr(world, "otel", None)
    if published is None:  # once per moto: the example needs version 1
        published = {}
        for region in ("eu-west-1", "us-west-2"):
            layer = world.publish("111111111111", region, "otel-collector")  # type: ignore[attr-defined]
            assert layer.arn.endswith(":otel-collector:1"), layer.arn
            world.share(layer)  # type: ignore[attr-defined]
            published[region] = layer
        world.otel = published  # type: ignore[attr-defined]
    (box.root / "template.yaml").write_text(OTEL_TEMPLATE, encoding="utf-8")
    (box.root / ".layergate.yaml").write_text("version: 1\nregions: [eu-west-1, us-west-2]\n", encoding="utf-8")
    return box.root


def _otel_recorded(stale_eu: bool) -> Setup:
    """The policy after a lock; with ``stale_eu``, the eu-west-1 entry records a hash AWS does not publish."""
    def setup(box: Sandbox) -> Path:
        _otel(box)
        entries = "".join(
            f"  - arn: {layer.arn}\n    sha256: {'0' * 64 if stale_eu and region == 'eu-west-1' else layer.sha256}\n"
            for region, layer in box.lambda_world().otel.items())  # type: ignore[attr-defined]
        with (box.root / ".layergate.yaml").open("a", encoding="utf-8") as policy:
            policy.write("layers:\n" + entries)
        return box.root
    return setup


def _attested(box: Sandbox) -> Path:
    """docs/provenance.md: an internal layer whose content is a real attested artifact, its bundle kept where the
    policy's provenance.attestation says (the real bundle's identity stands in for acme/layers)."""
    from lockverify_world import CONSUMER

    world = box.lambda_world()
    layer = getattr(world, "attested", None)
    if layer is None:
        artifact = FIXTURES / "provenance" / "pypi_attestation_models-0.0.4a2.tar.gz"
        layer = world.publish(CONSUMER, "eu-west-1", "platform-layer", data=artifact.read_bytes())  # type: ignore[attr-defined]
        world.attested = layer  # type: ignore[attr-defined]
    (box.root / "template.yaml").write_text(OTEL_TEMPLATE.replace(
        "!Sub arn:aws:lambda:${AWS::Region}:111111111111:layer:otel-collector:1", layer.arn), encoding="utf-8")
    (box.root / "attestations").mkdir()
    version = layer.arn.rsplit(":", 1)[1]
    shutil.copy(FIXTURES / "provenance" / "pypi_attestation_models-0.0.4a2.tar.gz.sigstore.json",
                box.root / "attestations" / f"platform-layer-{version}.sigstore.json")
    (box.root / ".layergate.yaml").write_text(
        f'version: 1\norg:\n  accounts: ["{CONSUMER}"]\npublishers:\n  - account: "{CONSUMER}"\n    internal: true\n'
        "    provenance:\n      repository: trailofbits/pypi-attestation-models\n"
        "      workflow: .github/workflows/release.yml\n      ref: refs/tags/v*\n"
        '      attestation: "attestations/{name}-{version}.sigstore.json"\n', encoding="utf-8")
    return box.root


def _attested_upgrade(box: Sandbox) -> Path:
    """docs/upgrade.md's --provenance: _attested's policy, a pinned layer version, and a newer one whose content
    is the real attested artifact, its bundle where the policy's provenance.attestation says."""
    from lockverify_world import CONSUMER

    root = _attested(box)
    world = box.lambda_world()
    pair = getattr(world, "attested_upgrade", None)
    if pair is None:
        artifact = FIXTURES / "provenance" / "pypi_attestation_models-0.0.4a2.tar.gz"
        pair = (world.publish(CONSUMER, "eu-west-1", "attested-upgrade"),  # type: ignore[attr-defined]
                world.publish(CONSUMER, "eu-west-1", "attested-upgrade", data=artifact.read_bytes()))  # type: ignore[attr-defined]
        world.attested_upgrade = pair  # type: ignore[attr-defined]
    old, new = pair
    (root / "template.yaml").write_text(OTEL_TEMPLATE.replace(
        "!Sub arn:aws:lambda:${AWS::Region}:111111111111:layer:otel-collector:1", old.arn), encoding="utf-8")
    shutil.copy(FIXTURES / "provenance" / "pypi_attestation_models-0.0.4a2.tar.gz.sigstore.json",
                root / "attestations" / f"attested-upgrade-{new.arn.rsplit(':', 1)[1]}.sigstore.json")
    return root


def _signed_zip(box: Sandbox) -> Path:
    from provenance_world import signed_zip

    signed_zip(box.root)
    return box.root


OBS_AGENT = "arn:aws:lambda:us-east-1:444455556666:layer:obs-agent"
UPGRADE_TEMPLATE = f"""\
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/api
      Code: {{ZipFile: "def handler(e, c): pass"}}
      Layers:
        - {OBS_AGENT}:1   # observability
"""


def _obs_files(version: str, extension: bool) -> dict[str, str]:
    files = {
        f"python/obs_agent-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: obs-agent\nVersion: {version}\n",
        f"python/obs_agent-{version}.dist-info/RECORD": "obs_agent/__init__.py,,\n",
        "python/obs_agent/__init__.py": f"VERSION = {version!r}\n",
    }
    if extension:
        files["extensions/obs-agent"] = "#!/bin/sh\nexec curl -s https://intake.obs.example.com/v1/logs\n"
    return files


def _obs_agent(box: Sandbox) -> Path:
    """docs/upgrade.md's example: obs-agent:1 pinned and reviewed; 2 was deleted; 3 adds an extension."""
    world = box.lambda_world()
    published = getattr(world, "obs_agent", None)
    if published is None:  # once per moto: the example needs versions 1 to 3
        published = [world.publish("444455556666", "us-east-1", "obs-agent",  # type: ignore[attr-defined]
                                   _obs_files(v, ext)) for v, ext in (("1.0", False), ("1.1", False), ("2.0", True))]
        for layer in published:
            world.share(layer)  # type: ignore[attr-defined]
        world.delete(published[1])  # type: ignore[attr-defined]
        world.obs_agent = published  # type: ignore[attr-defined]
    (box.root / "template.yaml").write_text(UPGRADE_TEMPLATE, encoding="utf-8")
    (box.root / ".layergate.yaml").write_text(
        'version: 1\nregions: [us-east-1]\npublishers:\n  - account: "444455556666"\n    name: obs vendor\n'
        f"layers:\n  - arn: {OBS_AGENT}:1\n    sha256: {published[0].sha256}\n    reviewed_by: alice\n"
        "    reviewed_at: 2026-11-02\n", encoding="utf-8")
    return box.root


# The template docs/fix.md shows (its first yaml block), so the example cannot drift from the page.
FIX_TEMPLATE = (REPO / "docs" / "fix.md").read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]


def _fix_example(box: Sandbox) -> Path:
    """docs/fix.md's example: team-utils:1..3 and team-tools:1..2 of the team's account in eu-west-1, the
    SSM parameter naming team-utils:3; Datadog's layer cannot be listed: versions 1 and 3 are shared, 2 deleted."""
    world = box.lambda_world()
    box.env["AWS_ENDPOINT_URL_SSM"] = world.moto_url  # type: ignore[attr-defined]
    if not getattr(world, "fix_example", False):  # once per moto: the example shows these version numbers
        from lockverify_world import CONSUMER

        for name, count in (("team-utils", 3), ("team-tools", 2)):
            for _ in range(count):
                world.publish(CONSUMER, "eu-west-1", name)  # type: ignore[attr-defined]
        vendor = [world.publish("464622532012", "eu-west-1", "Datadog-Extension")  # type: ignore[attr-defined]
                  for _ in range(3)]
        for layer in vendor:
            world.share(layer)  # type: ignore[attr-defined]
        world.delete(vendor[1])  # type: ignore[attr-defined]
        import boto3

        boto3.client("ssm", region_name="eu-west-1", endpoint_url=world.moto_url,  # type: ignore[attr-defined]
                     aws_access_key_id="testing", aws_secret_access_key="testing").put_parameter(
            Name="/layers/team-utils", Type="String", Value=f"arn:aws:lambda:eu-west-1:{CONSUMER}:layer:team-utils:3")
        world.fix_example = True  # type: ignore[attr-defined]
    (box.root / "template.yaml").write_text(FIX_TEMPLATE, encoding="utf-8")
    (box.root / ".layergate.yaml").write_text("version: 1\nregions: [eu-west-1]\n", encoding="utf-8")
    return box.root


def _organization(box: Sandbox) -> Path:
    """The moto organization of tests/inventory_world.py, as its management account; every AWS API through
    the world's router (``AWS_ENDPOINT_URL``), team-b's me-south-1 not enabled (as in the docs' example)."""
    org = box.request.getfixturevalue("org")
    box.env.update(org.caller_env, AWS_ENDPOINT_URL=org.url)
    layer = org.layers["dd-ext"]
    (box.root / ".layergate.yaml").write_text(
        f"version: 1\npublishers:\n  - vendor: datadog\nlayers:\n  - arn: {layer.arn}\n    sha256: {layer.sha256}\n"
        "    reviewed_by: alice\n    reviewed_at: 2026-11-20\n    extension: true\n", encoding="utf-8")
    disabled = (org.ids["team-b"], "me-south-1")
    org.router.disabled.add(disabled)
    box.request.addfinalizer(lambda: org.router.disabled.discard(disabled))
    return box.root


def _vulnerable_layer(box: Sandbox) -> Path:
    """docs/vulnerabilities.md's layer.zip (packages affected by real OSV records) and those records as osv/."""
    from vuln_layers import OSV_DIR, vulnerable_layer

    vulnerable_layer(box.root / "layer.zip")
    box.copy(OSV_DIR, "osv")
    return box.root


def _organization_with_advisories(box: Sandbox) -> Path:
    from vuln_layers import OSV_DIR

    box.copy(OSV_DIR, "osv")
    return _organization(box)


def _signing_case(box: Sandbox) -> Path:
    """docs/signing.md's check: the LG305 SAM case (a config that warns and allows a foreign profile)."""
    return box.copy(REPO / "rules" / "LG305-unsigned-internal-layer" / "cases" / "sam-globals-warn-and-foreign-profile")


def _bad_policy(box: Sandbox) -> Path:
    _examples_root(box)
    (box.root / ".layergate.yaml").write_text(
        "version: 1\npublishers:\n  - vendor: datdog\n  - account: '12345'\nlayers:\n"
        "  - arn: arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56\n"
        "    sha256: n8tYR0UmY2V3BmQLpUl3zGxr0dlC5n0QzhqL7k2Lsqg=\n    reviewd_by: alice\n", encoding="utf-8")
    return box.root


def _serverless_service(box: Sandbox) -> Path:
    work = box.copy(REPO / "examples" / "serverless-app", "service")
    config = work / "serverless.yml"
    # osls 4 refuses `frameworkVersion: "3"`, which only constrains the CLI version.
    config.write_text(config.read_text(encoding="utf-8").replace('frameworkVersion: "3"\n', ""), encoding="utf-8")
    (work / "handler.js").write_text("exports.sendEmail = async () => ({});\n", encoding="utf-8")
    shutil.copy(REPO / "examples" / ".layergate.yaml", box.root / ".layergate.yaml")
    box.env.update(SMS_LAYER_VERSION="4", SLS_TELEMETRY_DISABLED="1", SLS_NOTIFICATIONS_MODE="off", CI="1",
                   AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    return work


def _serverless_fixtures(box: Sandbox) -> Path:
    return box.copy(FIXTURES / "serverless")


def _terraform_fixtures(box: Sandbox) -> Path:
    work = box.copy(FIXTURES / "terraform")
    (work / "empty").mkdir()
    return work


def _terraform_initialized(box: Sandbox) -> Path:
    """examples/terraform after `terraform init` (the step before the documented ones), offline."""
    from test_terraform_live import regenerate

    terraform_bin, mirror = regenerate.find_terraform(), regenerate.find_mirror()
    if terraform_bin is None or mirror is None:
        missing("terraform with the hashicorp/aws provider mirror")
    work = box.copy(REPO / "examples" / "terraform", "infra")
    (work / "plan.json").unlink()
    config = box.root / "terraform.rc"
    config.write_text(regenerate.cli_config(mirror), encoding="utf-8")
    box.env.update(TF_CLI_CONFIG_FILE=str(config), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
                   AWS_EC2_METADATA_DISABLED="true")
    subprocess.run([str(terraform_bin), "init", "-input=false", "-no-color"], cwd=work, env=box.env,
                   check=True, capture_output=True, timeout=300)
    return work


def _plan_text(text: str) -> Setup:
    def write(box: Sandbox) -> Path:
        (box.root / "plan.json").write_text(text, encoding="utf-8")
        return box.root
    return write


def _cli_reference(box: Sandbox) -> Path:
    shutil.copy(REPO / "README.md", box.root / "README.md")
    (box.root / "tests").mkdir()
    shutil.copy(REPO / "tests" / "cli_reference.py", box.root / "tests" / "cli_reference.py")
    return box.root


def _files(*names: str) -> Callable[[Path, subprocess.CompletedProcess[str]], None]:
    def check(cwd: Path, proc: subprocess.CompletedProcess[str]) -> None:
        for name in names:
            assert (cwd / name).stat().st_size > 0, name
    return check


def _stdout_has(*texts: str) -> Callable[[Path, subprocess.CompletedProcess[str]], None]:
    def check(cwd: Path, proc: subprocess.CompletedProcess[str]) -> None:
        for text in texts:
            assert text in proc.stdout, proc.stdout
    return check


def _stderr_has(text: str) -> Callable[[Path, subprocess.CompletedProcess[str]], None]:
    def check(cwd: Path, proc: subprocess.CompletedProcess[str]) -> None:
        assert text in proc.stderr, proc.stderr
    return check


def _readme_unchanged(cwd: Path, proc: subprocess.CompletedProcess[str]) -> None:
    assert (cwd / "README.md").read_text(encoding="utf-8") == (REPO / "README.md").read_text(encoding="utf-8")


def _json_file(name: str) -> Callable[[Path, subprocess.CompletedProcess[str]], None]:
    def check(cwd: Path, proc: subprocess.CompletedProcess[str]) -> None:
        assert json.loads((cwd / name).read_text(encoding="utf-8"))
    return check


_PLAN = (REPO / "examples" / "terraform" / "plan.json").read_text(encoding="utf-8")
TRUNCATED = _PLAN[: len(_PLAN) // 2]  # "cut off in the middle"
R = "README.md: "
CFN, INSPECT, INTEG = "docs/cloudformation.md: ", "docs/inspect-diff.md: ", "docs/integrations.md: "
LOCK, SLS, TF = "docs/lock-verify.md: ", "docs/serverless.md: ", "docs/terraform.md: "
SIGN = "docs/signing.md: "
PROV = "docs/provenance.md: "
UPG = "docs/upgrade.md: "
FIX = "docs/fix.md: "
OTEL_EU = "arn:aws:lambda:eu-west-1:111111111111:layer:otel-collector:1"

CASES: dict[str, Case] = {
    R + "layergate check examples/": Case(_examples, 1, _stdout_has("LG301 error  function CreateOrder")),
    R + "python3 tests/cli_reference.py --write": Case(_cli_reference, 0, _readme_unchanged),
    CFN + "layergate check template.yaml --region us-east-1 --parameters samconfig.toml --config-env prod":
        Case(_params, 1, _stdout_has("Datadog-Extension:60")),
    CFN + "layergate check stack.json --parameter LayerVersion=58 --parameters params/prod.json":
        Case(_stack_json, 1, _stdout_has("Datadog-Extension:58")),
    INSPECT + "layergate inspect vendor-layer-v1.zip": Case(_layer_zips, 0, _stdout_has("Layer vendor-layer-v1.zip")),
    INSPECT + "layergate inspect arn:aws:lambda:us-east-1:123456789012:layer:vendor:12 --format cyclonedx "
              "> vendor-12.cdx.json": Case(_vendor_12, 0, _json_file("vendor-12.cdx.json")),
    INSPECT + "layergate diff vendor-layer-v1.zip vendor-layer-v2.zip": Case(_layer_zips, 1, _stdout_has("Summary: ")),
    INSPECT + 'layergate diff "$OLD_ARN" "$NEW_ARN" --format markdown > layer-diff.md':
        Case(_two_arns, 1, _files("layer-diff.md")),
    INTEG + "layergate check . --output sarif=layergate.sarif --output junit=layergate.xml":
        Case(_examples_root, 1, _files("layergate.sarif", "layergate.xml")),
    INTEG + "layergate check . -f github -o sarif=layergate.sarif":
        Case(_examples_root, 1, _files("layergate.sarif")),
    INTEG + "layergate check . --policy-ref origin/main": Case(_git_repo, 1),
    INTEG + "cfn-lint template.yaml --append-rules layergate.cfnlint":
        Case(_sam_app, 2, _stdout_has("E9201 LG201: function CreateOrder uses")),
    INTEG + "layergate scp": Case(_examples_root, 0, _stdout_has("LayergateDenyUntrustedLayers")),
    INTEG + "layergate scp --out-dir scp/": Case(_examples_root, 0, _json_file("scp/layergate-scp-1.json")),
    INTEG + "layergate init": Case(_no_policy, 0, _files(".layergate.yaml")),
    INTEG + "layergate init --print": Case(_no_policy, 0, _stdout_has("version: 1")),
    FIX + "layergate fix --dry-run": Case(_fix_example, 0, _stdout_has(
        "+        - arn:aws:lambda:eu-west-1:123456789012:layer:team-utils:3\n",
        "+        - arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension:3\n")),
    FIX + "layergate fix": Case(None, 0, _stdout_has(
        "template.yaml:16:11: fixed LG102: arn:aws:lambda:eu-west-1:123456789012:layer:team-tools -> "
        "arn:aws:lambda:eu-west-1:123456789012:layer:team-tools:2\n",
        "template.yaml:17:11: fixed LG102: arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension -> "
        "arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension:3 (found by probing GetLayerVersion upward "
        "from version 1 (ListLayerVersions: AccessDeniedException); versions 4-13 do not exist or are not shared "
        "with this account, so the search ended there (window 10))\n")),
    LOCK + "layergate lock": Case(_otel, 0, _stdout_has(f"recorded  {OTEL_EU}  sha256 ")),
    LOCK + "layergate lock #2": Case(_otel_recorded(stale_eu=False), 0, _stderr_has("0 recorded, 0 updated, 2 unchanged")),
    LOCK + "layergate lock #3": Case(_otel_recorded(stale_eu=True), 1),
    LOCK + f"layergate lock --update {OTEL_EU} --reviewer alice": Case(None, 0, _stdout_has(f"updated   {OTEL_EU}")),
    LOCK + "layergate verify": Case(_otel_recorded(stale_eu=True), 1, _stdout_has("LG302 error  function Api uses")),
    UPG + "layergate upgrade": Case(_obs_agent, 0, _stdout_has("  ** new extension extensions/obs-agent\n")),
    UPG + "layergate upgrade --format markdown > upgrade.md": Case(_obs_agent, 0, _files("upgrade.md")),
    UPG + "layergate upgrade --dry-run":
        Case(_obs_agent, 0, _stdout_has("+        - arn:aws:lambda:us-east-1:444455556666:layer:obs-agent:3   # obs",
                                        "+    extension: true\n")),
    UPG + "layergate upgrade --apply": Case(_obs_agent, 0, _stdout_has(
        "changed template.yaml:10:65  1 -> 3", "  extension: true (the new version holds extensions/obs-agent)\n")),
    UPG + "layergate upgrade --provenance --no-diff": Case(
        _attested_upgrade, 0, _stdout_has("verified: built from trailofbits/pypi-attestation-models@153c9a3f5c15")),
    UPG + "layergate check .": Case(None, 1, _stdout_has("LG301 error  function Api uses " + OBS_AGENT + ":3")),
    "docs/inventory.md: layergate inventory --org --regions ca-central-1,sa-east-1,me-south-1 --today 2026-12-01 "
    "-o html=inventory.html -o asff=inventory.asff.json":
        Case(_organization, 3, _files("inventory.html", "inventory.asff.json")),
    "docs/policy.md: layergate check .": Case(_bad_policy, 2),
    "docs/vulnerabilities.md: layergate inspect layer.zip --advisories osv/":
        Case(_vulnerable_layer, 1, _stdout_has("CVE-2021-44228 (GHSA-jfh8-c2jp-5v3q)")),
    "docs/vulnerabilities.md: layergate inventory --org --regions ca-central-1,sa-east-1 --today 2026-12-01 "
    "--advisories osv/ -o html=inventory.html":
        Case(_organization_with_advisories, 3, _files("inventory.html")),
    SIGN + "layergate check .": Case(_signing_case, 1, _stdout_has("LG305 error  code signing config SigningConfig")),
    PROV + "layergate verify --provenance":
        Case(_attested, 0, _stderr_has("verify: checked the build provenance of 1 internal layer version")),
    PROV + "layergate lock --provenance": Case(_attested, 0, _stdout_has("  provenance: built from ")),
    PROV + "layergate inspect --provenance layer.zip": Case(_signed_zip, 0, _stdout_has("  provenance verified: ")),
    "docs/policy.md: layergate schema > .layergate.schema.json": Case(None, 0, _json_file(".layergate.schema.json")),
    SLS + "serverless package --stage prod":
        Case(_serverless_service, 0, _files(".serverless/cloudformation-template-update-stack.json"), ("osls",)),
    SLS + "layergate check .serverless/cloudformation-template-update-stack.json":
        Case(None, 1, _stdout_has("SendSmsLambdaFunction")),
    SLS + "layergate check --policy checkout/policy.yaml checkout": Case(_serverless_fixtures, 1),
    TF + "terraform plan -out=plan.tfplan": Case(_terraform_initialized, 0, _files("plan.tfplan"), ("terraform",)),
    TF + "terraform show -json plan.tfplan > plan.json": Case(None, 0, _json_file("plan.json")),
    TF + "layergate check plan.json": Case(None, 1, _stdout_has("LG301 error  function aws_lambda_function.digest")),
    TF + "layergate check plan.json #2": Case(_plan_text(TRUNCATED), 2),
    TF + "layergate check plan.json #3": Case(_plan_text('{"format_version": "2.0", "planned_values": {}}'), 2),
    TF + "layergate check plan.json #4": Case(_plan_text('{"format_version": "1.2", "planned_values": []}'), 2),
    TF + "layergate check plan.json --tf-dir nowhere":
        Case(_plan_text('{"format_version": "1.2", "planned_values": {}}'), 2),
    TF + "layergate check --policy policy.yaml dropped_list/plan.json --tf-dir empty/": Case(_terraform_fixtures, 1),
    TF + "layergate check --policy policy.yaml dropped_list/plan.json": Case(_terraform_fixtures, 0),
    TF + "layergate check --policy policy.yaml data_source/plan.json": Case(_terraform_fixtures, 1),
    TF + "layergate check --policy policy.yaml ssm_parameter/plan.json": Case(_terraform_fixtures, 1),
}

# Each entry: why the command cannot run in the test suite, and what covers it instead.
SKIPPED: dict[str, str] = {
    R + "python3 -m venv .venv && . .venv/bin/activate && pip install . && layergate check examples/":
        "installs layergate and its dependencies from PyPI into a new environment (minutes, network); .ci/run "
        "starts from such an environment, and `layergate check examples/` is run here (README.md's sample)",
    R + "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && pytest":
        "the whole suite, this test included; .ci/run runs exactly this line (test_readme.py checks it does)",
    R + "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]'":
        "installs from PyPI into a new environment; .ci/run does the same",
    R + "pytest": "the whole suite, this test included",
    R + "ruff check . && mypy": ".ci/run runs both, exactly so, on every CI run",
    INSPECT + "grype sbom:vendor-12.cdx.json":
        "grype is a third-party scanner with its own vulnerability database download; the SBOM it reads is "
        "produced and checked as JSON by the command before",
    INSPECT + "gh pr comment --body-file layer-diff.md": "needs a GitHub pull request and a token",
    INSPECT + "python3 benchmarks/inspect_layer.py --runs 7": "a benchmark (minutes of CPU), not a test",
    INSPECT + "taskset -c 0 python3 benchmarks/inspect_layer.py --runs 5": "a benchmark (minutes of CPU), not a test",
    TF + "python3 benchmarks/terraform_plan.py --size-mb 100 --runs 5": "a benchmark (minutes of CPU), not a test",
    SIGN + "layergate lock": "needs a layer version AWS reports as signed, which moto cannot publish; "
        "tests/test_signing_online.py runs lock and verify against moto behind the front that adds the signing fields",
    SIGN + "layergate verify": "as `layergate lock` above: tests/test_signing_online.py",
    PROV + "pip install 'layergate[provenance]'":
        "installs from PyPI; the test extra installs the same sigstore into this environment",
    INTEG + "pip install 'layergate[cfn-lint]'":
        "installs from PyPI; the test extra installs the same cfn-lint into this environment",
}


def _groups() -> list[list[DocCommand]]:
    """Commands of one $-session together; every other command on its own."""
    groups: list[list[DocCommand]] = []
    for command in doc_commands():
        if command.key in SKIPPED and not command.session:
            continue
        previous = groups[-1][-1] if groups else None
        if command.session and previous and previous.session and (previous.doc, previous.block) == (
                command.doc, command.block):
            groups[-1].append(command)
        else:
            groups.append([command])
    return [g for g in groups if any(c.key not in SKIPPED for c in g)]


def test_every_documented_command_is_run_or_skipped() -> None:
    documented = {c.key for c in doc_commands()}
    assert sorted(documented - set(CASES) - set(SKIPPED)) == [], "add a case to CASES (or a reason to SKIPPED)"
    assert sorted((set(CASES) | set(SKIPPED)) - documented) == [], "the docs no longer show these commands"


def test_shown_exit_statuses_are_the_ones_the_cases_expect() -> None:
    for command in doc_commands():
        if command.shown_status is not None:
            assert CASES[command.key].status == command.shown_status, command.key


def test_the_cfn_lint_command_is_the_one_the_readme_names() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "`cfn-lint template.yaml --append-rules layergate.cfnlint`" in readme
    assert INTEG + "cfn-lint template.yaml --append-rules layergate.cfnlint" in CASES


def test_the_documented_cfnlintrc_loads_the_plugin(tmp_path: Path) -> None:
    """docs/integrations.md's `.cfnlintrc` alternative: then a plain `cfn-lint template.yaml` runs layergate."""
    text = (REPO / "docs" / "integrations.md").read_text(encoding="utf-8")
    config = text.split("`cfn-lint template.yaml`\nloads it:\n\n```yaml\n", 1)[1].split("```", 1)[0]
    _shims(tmp_path / "bin")
    work = tmp_path / "app"
    shutil.copytree(REPO / "examples" / "sam-app", work)
    (work / ".cfnlintrc").write_text(config, encoding="utf-8")
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(REPO)}
    proc = subprocess.run(["bash", "-c", "cfn-lint template.yaml"], cwd=work, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "E9201 LG201: function CreateOrder uses" in proc.stdout


@pytest.fixture(scope="module")
def doc_world() -> Iterator[object]:
    """A moto of its own: the examples need fixed names and version numbers (otel-collector:1, vendor:12)."""
    from conftest import free_port
    from lockverify_world import CONSUMER, running_world
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        with running_world(f"http://127.0.0.1:{port}", {CONSUMER}) as world:
            yield world
    finally:
        server.stop()


def _shims(bin_dir: Path) -> None:
    """`layergate` is this checkout; `cfn-lint` is this environment's; `serverless` is osls when installed."""
    bin_dir.mkdir()
    shim = bin_dir / "layergate"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m layergate "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    beside = Path(sys.executable).parent / "cfn-lint"
    if beside.exists():
        (bin_dir / "cfn-lint").symlink_to(beside)
    osls = node_modules() / "osls" / "bin" / "serverless.js"
    if osls.exists():
        wrapper = bin_dir / "serverless"
        wrapper.write_text(f'#!/bin/sh\nexec node "{osls}" "$@"\n', encoding="utf-8")
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize("group", _groups(), ids=lambda g: g[0].key)
def test_documented_command_works(group: list[DocCommand], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    _shims(tmp_path / "bin")
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GITHUB_", "LAYERGATE_"))}
    env.update(PATH=f"{tmp_path / 'bin'}{os.pathsep}{env.get('PATH', '')}", PYTHONPATH=str(REPO), NO_COLOR="1",
               HOME=str(tmp_path), AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    box = Sandbox(root, env, request)
    cwd = root
    for command in group:
        if command.key in SKIPPED:
            continue
        case = CASES[command.key]
        if "osls" in case.needs and not (node_modules() / "osls" / "bin" / "serverless.js").exists():
            missing("osls (the Serverless Framework packager)")
        if "terraform" in case.needs and shutil.which("terraform") is None:
            missing("terraform")
        if case.setup is not None:
            cwd = case.setup(box)
        proc = subprocess.run(["bash", "-c", command.command], cwd=cwd, env=box.env, capture_output=True,
                              text=True, timeout=300, check=False)
        where = f"{command.doc}:{command.line}: {command.command}"
        assert proc.returncode == case.status, f"{where}\n{proc.stdout}\n{proc.stderr}"
        assert "Traceback" not in proc.stderr, f"{where}\n{proc.stderr}"
        if case.check is not None:
            case.check(cwd, proc)
