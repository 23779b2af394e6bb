"""The committed plans are what the real terraform makes from the committed .tf files.

Runs ``terraform init/plan/show`` offline (filesystem provider mirror) through the fixtures'
regenerate.py and compares the normalized JSON with the committed one, whole. The data source case
reads its layers from the moto server of the test session. Skipped when terraform or the mirror is
missing. Each case costs several seconds of CPU, so two cases run by default (the dropped list, with
modules, locals and variables; and the data sources); LAYERGATE_TF_ALL=1 runs every case.
"""

from __future__ import annotations

import importlib.util
import json
import os
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from layergate.model import Candidate, ResolutionKind
from layergate.sources import ParseOptions, terraform

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "terraform"


def _regenerate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tf_regenerate", FIXTURES / "regenerate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


regenerate = _regenerate()
pytestmark = [
    pytest.mark.terraform,
    pytest.mark.skipif(regenerate.find_terraform() is None, reason="terraform is not installed"),
    pytest.mark.skipif(regenerate.find_mirror() is None, reason="no hashicorp/aws provider mirror"),
]
DEFAULT_CASES = ("dropped_list",)
OFFLINE_CASES = [c for c in regenerate.CASES if not regenerate.needs_endpoint(c)]


def committed(case: str) -> dict[str, Any]:
    plan: dict[str, Any] = json.loads((FIXTURES / case / "plan.json").read_text(encoding="utf-8"))
    return plan


@pytest.mark.parametrize("case", OFFLINE_CASES)
def test_committed_plan_matches_terraform(case: str) -> None:
    if case not in DEFAULT_CASES and not os.environ.get("LAYERGATE_TF_ALL"):
        pytest.skip("set LAYERGATE_TF_ALL=1 to plan every case")
    assert regenerate.plan_case(case) == committed(case)


@pytest.mark.aws
def test_data_source_plan_reads_the_local_endpoint(aws_endpoint: str, tmp_path: Path) -> None:
    name = f"layergate-tf-{uuid.uuid4().hex[:8]}"  # the moto server is shared by the session
    arns = regenerate.publish_vendor_layers(aws_endpoint, name)
    layer = f"arn:aws:lambda:us-east-1:123456789012:layer:{name}"
    assert arns == [f"{layer}:1", f"{layer}:2", f"{layer}:3"]
    plan = regenerate.plan_case("data_source", endpoint=aws_endpoint, variables={"vendor_layer": name})

    # What the parser reads from the fresh plan: the latest version floats, the pinned one does not.
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    refs = terraform.parse(str(tmp_path / "plan.json"), ParseOptions(tf_dir=str(FIXTURES / "data_source")))[0].refs
    assert [(r.consumer, r.resolution.kind, r.candidates) for r in refs] == [
        ("aws_lambda_function.api", ResolutionKind.DYNAMIC, (Candidate(f"{layer}:3"),)),
        ("aws_lambda_function.batch", ResolutionKind.LITERAL, (Candidate(f"{layer}:2"),)),
        ("aws_lambda_function.worker", ResolutionKind.DYNAMIC, ()),
    ]
    # And the whole plan equals the committed one once the unique layer name is put back.
    renamed = json.loads(json.dumps(plan).replace(name, regenerate.VENDOR_LAYER))
    assert renamed == committed("data_source")
