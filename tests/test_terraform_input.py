"""Recognizing plans, refusing bad ones with one line, and the fallbacks when the .tf sources do not help."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from layergate.errors import InputError
from layergate.model import Candidate, LayerRef, Location, Resolution, ResolutionKind
from layergate.sources import NotThisFormat, ParseOptions, terraform

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "terraform"
DATADOG = "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56"
DEPS = "aws_lambda_layer_version.deps"
API = "aws_lambda_function.api"
DROPPED = (
    "the plan drops the whole layers list when one element is known only after apply, and its configuration"
    " records only the references ({}), not literal ARNs written beside them; point --tf-dir at the .tf"
    " sources to read them"
)


def head(path: Path) -> str:
    return path.read_bytes()[:8192].decode("utf-8", errors="replace")


def run_check(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "layergate", "check", "--quiet", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60, check=False,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


def test_detect_by_content_whatever_the_name(tmp_path: Path) -> None:
    plan = FIXTURES / "literal" / "plan.json"
    assert terraform.detect("build/output.txt", head(plan))
    utf16 = tmp_path / "plan.json"  # what PowerShell's `>` writes
    utf16.write_text(plan.read_text(encoding="utf-8"), encoding="utf-16")
    assert terraform.detect(str(utf16), head(utf16))
    assert not terraform.detect("t.json", '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}')
    assert not terraform.detect("p.yaml", "format_version: '1.2'\nplanned_values: {}\n")
    assert not terraform.detect("x.json", '{"format_version": "1.0", "provider_schemas": {}}')


def test_utf16_plan_reads_like_utf8(tmp_path: Path) -> None:
    utf16 = tmp_path / "plan.json"
    utf16.write_text((FIXTURES / "literal" / "plan.json").read_text(encoding="utf-8"), encoding="utf-16")
    refs = terraform.parse(str(utf16), ParseOptions(root=str(tmp_path)))[0].refs
    assert [c.value for r in refs for c in r.candidates] == [
        DATADOG, "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:68",
        "arn:aws:lambda:us-east-1:123456789012:layer:shared-utils",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param('{"format_version": "1.2",\n "planned_values": {"root_module": {"resources": [\n  {"address": "aws_',
                     "plan.json:3:15: JSON ends early (truncated plan?): Unterminated string starting at",
                     id="truncated"),
        pytest.param('{"format_version": "1.2", "planned_values": {,}}',
                     "plan.json:1:46: invalid JSON: Expecting property name enclosed in double quotes",
                     id="invalid"),
        pytest.param('{"format_version": "2.0", "planned_values": {}}',
                     "plan.json: plan format_version '2.0' is not supported (layergate reads format 1.x, written by"
                     " `terraform show -json` since Terraform 0.12)", id="format-2"),
        pytest.param('{"format_version": 1, "planned_values": {}}',
                     "plan.json: plan format_version 1 is not supported (layergate reads format 1.x, written by"
                     " `terraform show -json` since Terraform 0.12)", id="format-number"),
        pytest.param('{"format_version": "1.2", "planned_values": []}',
                     "plan.json: planned_values is not a JSON object", id="planned-values-list"),
        pytest.param('{"format_version": "1.2", "planned_values": {"root_module": {"resources": [3]}}}',
                     "plan.json: planned_values.root_module.resources holds a value that is not an object",
                     id="resource-not-object"),
        pytest.param('{"format_version": "1.2", "resource_changes": {}}',
                     "plan.json: resource_changes is not a JSON array", id="changes-object"),
        pytest.param('{"format_version": "1.2", "planned_values": {"root_module": {"child_modules": [[]]}}}',
                     "plan.json: planned_values.root_module.child_modules is not a JSON object",
                     id="child-module-list"),
    ],
)
def test_bad_plans_end_with_one_line_and_exit_2(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "plan.json").write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        terraform.parse(str(tmp_path / "plan.json"), ParseOptions())
    assert str(caught.value) == f"{tmp_path}/{message}"
    done = run_check("plan.json", cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"layergate: error: {message}\n")


def test_not_utf_text_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_bytes(b'{"format_version": "1.2", "planned_values": {"x": "\xff"}}')
    with pytest.raises(InputError) as caught:
        terraform.parse(str(tmp_path / "plan.json"), ParseOptions())
    assert str(caught.value) == f"{tmp_path}/plan.json: not UTF-8 text: invalid start byte at byte 51"


def test_state_json_is_not_a_plan(tmp_path: Path) -> None:
    state = {"format_version": "1.0", "terraform_version": "1.11.4", "values": {"root_module": {}}}
    (tmp_path / "state.json").write_text(json.dumps(state), encoding="utf-8")
    with pytest.raises(NotThisFormat):
        terraform.parse(str(tmp_path / "state.json"), ParseOptions())


def test_missing_tf_dir_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        terraform.parse(str(FIXTURES / "literal" / "plan.json"), ParseOptions(tf_dir=str(tmp_path / "nowhere")))
    assert str(caught.value) == f"{FIXTURES}/literal/plan.json: --tf-dir {tmp_path}/nowhere: not a directory"


def copy_case(case: str, tmp_path: Path) -> Path:
    target = tmp_path / case
    shutil.copytree(FIXTURES / case, target)
    return target


def api_refs(case_dir: Path) -> list[LayerRef]:
    scan = terraform.parse(str(case_dir / "plan.json"), ParseOptions(root=str(case_dir)))[0]
    return [r for r in scan.refs if r.consumer == API]


def plan_refs(case_dir: Path, detail: str, internal_at: Location) -> list[LayerRef]:
    """What the plan's configuration alone says; positions still come from the .tf text when found."""
    return [
        LayerRef(API, internal_at, f"{DEPS}.arn",
                 Resolution(ResolutionKind.INTERNAL, f"layer {DEPS} of this configuration"), (), DEPS, 0),
        LayerRef(API, Location(str(case_dir / "main.tf"), 20, 3, API), "layers",
                 Resolution(ResolutionKind.UNKNOWN, detail), (), None, 1),
    ]


def test_unreadable_tf_falls_back_to_the_plan_and_says_why(tmp_path: Path) -> None:
    import hcl2

    case = copy_case("dropped_list", tmp_path)
    main = case / "main.tf"
    broken = main.read_text(encoding="utf-8").replace('layer_name = "deps"', 'layer_name = = "deps"')
    main.write_text(broken, encoding="utf-8")
    with pytest.raises(Exception) as parse_error:  # the parser's own words are quoted in the reason
        hcl2.loads(broken)
    first = str(parse_error.value).splitlines()[0]
    reason = DROPPED.format(DEPS) + f" (the .tf sources could not be read: {main}:4:16: {first})"
    assert api_refs(case) == plan_refs(case, reason, Location(str(main), 22, 5, API))


def test_tf_that_differs_from_the_plan_is_not_used(tmp_path: Path) -> None:
    case = copy_case("dropped_list", tmp_path)
    main = case / "main.tf"
    text = main.read_text(encoding="utf-8")
    main.write_text(text.replace(f"    {DEPS}.arn,\n  ]\n}}", "    aws_lambda_layer_version.tools.arn,\n  ]\n}", 1),
                    encoding="utf-8")
    reason = DROPPED.format(DEPS) + " (the .tf sources differ from the plan's configuration, so they were not used)"
    assert api_refs(case) == plan_refs(case, reason, Location(str(case / "plan.json"), 0, 0, API))


def edit_plan(case_dir: Path, edit: Any) -> None:
    path = case_dir / "plan.json"
    plan = json.loads(path.read_text(encoding="utf-8"))
    edit(plan)
    path.write_text(json.dumps(plan), encoding="utf-8")


def test_one_unknown_element_takes_the_reference_left_over(tmp_path: Path) -> None:
    """A list whose length is known but one element is not: the known one is matched by value."""
    case = copy_case("dropped_list", tmp_path)

    def one_unknown(plan: dict[str, Any]) -> None:
        change = next(rc["change"] for rc in plan["resource_changes"] if rc["address"] == API)
        change["after"]["layers"] = [DATADOG, None]
        change["after_unknown"]["layers"] = [False, True]
        planned = next(r for r in plan["planned_values"]["root_module"]["resources"] if r["address"] == API)
        planned["values"]["layers"] = [DATADOG, None]

    edit_plan(case, one_unknown)
    main = str(case / "main.tf")
    assert api_refs(case) == [
        LayerRef(API, Location(main, 21, 5, API), DATADOG, Resolution(ResolutionKind.LITERAL), (Candidate(DATADOG),),
                 None, 0),
        LayerRef(API, Location(main, 22, 5, API), f"{DEPS}.arn",
                 Resolution(ResolutionKind.INTERNAL, f"layer {DEPS} of this configuration"), (), DEPS, 1),
    ]


def test_function_only_in_prior_state_is_still_a_function(tmp_path: Path) -> None:
    case = copy_case("deleted", tmp_path)

    def state_only(plan: dict[str, Any]) -> None:
        plan["resource_changes"] = [rc for rc in plan["resource_changes"] if rc["address"] != "aws_lambda_function.old"]

    edit_plan(case, state_only)
    scan = terraform.parse(str(case / "plan.json"), ParseOptions(root=str(case)))[0]
    old = "aws_lambda_function.old"
    retired = "arn:aws:lambda:us-east-1:123456789012:layer:retired:2"
    assert [f.id for f in scan.functions] == ["aws_lambda_function.kept", old]
    assert [r for r in scan.refs if r.consumer == old] == [
        LayerRef(old, Location(str(case / "plan.json"), 0, 0, old), retired,
                 Resolution(ResolutionKind.LITERAL, "planned value"), (Candidate(retired),), None, 0),
    ]


def test_python_hcl2_is_imported_only_for_dropped_lists() -> None:
    probe = (
        "import sys\n"
        "from layergate.sources import ParseOptions, terraform\n"
        "terraform.parse(sys.argv[1] + '/literal/plan.json', ParseOptions())\n"
        "known = 'hcl2' in sys.modules\n"
        "terraform.parse(sys.argv[1] + '/dropped_list/plan.json', ParseOptions())\n"
        "print(known, 'hcl2' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(FIXTURES)], capture_output=True, text=True, timeout=60,
                          check=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.stdout == "False True\n"
