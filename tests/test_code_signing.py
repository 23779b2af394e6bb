"""Code signing (LG305) over a CDK cloud assembly synthesized by the real aws-cdk-lib, and the signing helpers.

tests/fixtures/cdk/regenerate.sh rebuilds signing.cdk.out from app/signing.js: a signing profile, an enforcing
and a warning code signing config, and three functions loading an internal layer (enforced, warned, none).
The other formats are rule cases under rules/LG305-unsigned-internal-layer/cases.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from layergate import signing

FIXTURE = Path(__file__).parent / "fixtures" / "cdk" / "signing.cdk.out"
POLICY = """\
version: 1
regions: [us-east-1]
publishers:
  - account: "123456789012"
    name: platform-team
    internal: true
    signing_profiles: [LayerSigning]
layers:
  - arn: arn:aws:lambda:us-east-1:123456789012:layer:platform-utils:7
    sha256: 9f3c0d1e2b4a5968776655443322110099aabbccddeeff00112233445566778f
    reviewed_by: alice
    reviewed_at: 2026-11-02
"""
TEMPLATE = "cdk.out/SignedStack.template.json"
LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:platform-utils:7"


def test_cdk_assembly_findings(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "cdk.out")
    (tmp_path / ".layergate.yaml").write_text(POLICY)
    proc = subprocess.run([sys.executable, "-m", "layergate", "check", "--format", "json", "cdk.out"],
                          cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"},
                          check=False)
    assert proc.returncode == 1, proc.stderr
    found = [(f["rule"], f["file"], f["line"], f["column"], f["context"], f["message"])
             for f in json.loads(proc.stdout)["findings"]]
    # aws-cdk-lib writes no ProfileName for the signing profile (its name is generated at deploy): the
    # configs that allow it cannot be judged against the policy's profile names, which is a finding.
    unnamed = "allows a signing profile layergate cannot determine: signing profile LayerSigning90913252 has no " \
              "ProfileName: its name is generated at deploy"
    assert found == [
        ("LG305", TEMPLATE, 21, 7, "/SignedStack/Enforce/Resource", f"code signing config EnforceEFE3AC0F of function ApiF70053CD {unnamed}"),
        ("LG305", TEMPLATE, 42, 7, "/SignedStack/WarnOnly/Resource", f"code signing config WarnOnly1B9760A9 of function Worker11F36D0F {unnamed}"),
        ("LG305", TEMPLATE, 51, 39, "/SignedStack/WarnOnly/Resource", "code signing config WarnOnly1B9760A9 of function Worker11F36D0F has "
         "UntrustedArtifactOnDeployment Warn: Lambda deploys unsigned or wrongly signed layers all the same"),
        ("LG305", TEMPLATE, 230, 6, "/SignedStack/Report/Resource", f"function ReportC847FC22 loads {LAYER} from internal publisher platform-team "
         "and has no code signing config: Lambda deploys it unsigned"),
    ]


PROFILE = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/LayerSigning/a1b2c3d4e5"


@pytest.mark.parametrize(("arn", "name", "listed", "expected"), [
    (PROFILE, "", (PROFILE,), True),  # the exact version
    (PROFILE, "", ("arn:aws:signer:us-east-1:123456789012:/signing-profiles/LayerSigning",), True),  # any version
    (PROFILE, "", ("LayerSigning",), True),  # by name
    (PROFILE, "", ("Other",), False),
    (PROFILE, "", ("arn:aws:signer:us-east-1:123456789012:/signing-profiles/LayerSigning/zzz",), False),
    (PROFILE, "", ("arn:aws:signer:us-east-1:123456789012:/signing-profiles/Layer",), False),  # not a prefix match
    ("", "LayerSigning", ("LayerSigning",), True),  # a profile the deployment defines, known by name
    ("", "LayerSigning", (PROFILE,), False),  # an ARN in the policy cannot be matched by name alone
    (PROFILE, "", (), False),
])
def test_profile_listed(arn: str, name: str, listed: tuple[str, ...], expected: bool) -> None:
    assert signing.profile_listed(arn, name, listed) is expected


def test_profile_name() -> None:
    assert signing.profile_name(PROFILE) == "LayerSigning"
    assert signing.profile_name("arn:aws:signer:us-east-1:123456789012:/signing-profiles/P") == "P"
    assert signing.profile_name("arn:aws:lambda:us-east-1:123456789012:layer:x:1") is None
