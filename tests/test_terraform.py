"""The Terraform plan source on the committed plans (made by the real terraform, see regenerate.py).

Each test compares whole records: every layer entry with its resolution, candidates, location and
position, every published layer and every permission.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from layergate.model import (
    Candidate,
    ContentSource,
    Function,
    LayerDef,
    LayerGrant,
    LayerRef,
    Location,
    Resolution,
    ResolutionKind,
    Scan,
)
from layergate.sources import ParseOptions, terraform

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "terraform"
DATADOG = "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56"
INSIGHTS = "arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:49"
POWERTOOLS = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:68"
OTEL = "arn:aws:lambda:us-east-1:901920570463:layer:aws-otel-python-amd64-ver-1-25-0:1"
VENDOR = "arn:aws:lambda:us-east-1:123456789012:layer:vendor-tools"
LIT, PAR, INT, DYN, UNK = (ResolutionKind.LITERAL, ResolutionKind.PARAMETER, ResolutionKind.INTERNAL,
                 ResolutionKind.DYNAMIC, ResolutionKind.UNKNOWN)


@pytest.fixture(autouse=True)
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths in records stay short and machine-independent: cases are read relative to their folder."""
    monkeypatch.chdir(FIXTURES)


def scan(case: str, **options: object) -> Scan:
    scans = terraform.parse(f"{case}/plan.json", ParseOptions(root=str(FIXTURES), **options))  # type: ignore[arg-type]
    assert len(scans) == 1
    return scans[0]


def ref(consumer: str, position: int, kind: ResolutionKind, expression: str, at: tuple[str, int, int] | None,
        case: str, values: tuple[str, ...] = (), detail: str = "", source: str = "",
        layer_def: str | None = None) -> LayerRef:
    location = Location(f"{case}/{at[0]}", at[1], at[2], consumer) if at else Location(f"{case}/plan.json", 0, 0, consumer)
    return LayerRef(consumer, location, expression, Resolution(kind, detail, source),
                    tuple(Candidate(v) for v in values), layer_def, position)


def functions(case: str, *addresses: str) -> tuple[Function, ...]:
    return tuple(Function(a, Location(f"{case}/plan.json", 0, 0, a)) for a in addresses)


def test_literal_layers_point_at_the_tf_lines() -> None:
    c = "literal"
    result = scan(c)
    assert result.format == "terraform-plan"
    assert result.regions == ("us-east-1",)
    assert result.functions == functions(c, "aws_lambda_function.api", "aws_lambda_function.plain",
                                         "aws_lambda_function.reports")
    shared = "arn:aws:lambda:us-east-1:123456789012:layer:shared-utils"
    assert result.refs == (
        ref("aws_lambda_function.api", 0, LIT, DATADOG, ("main.tf", 8, 5), c, (DATADOG,)),
        ref("aws_lambda_function.api", 1, LIT, POWERTOOLS, ("main.tf", 9, 5), c, (POWERTOOLS,)),
        ref("aws_lambda_function.reports", 0, LIT, shared, ("main.tf", 20, 13), c, (shared,)),
    )
    assert (result.layer_defs, result.grants, result.notes) == ((), (), ())


def test_literal_layers_without_tf_sources_point_at_the_plan_address(tmp_path: Path) -> None:
    c = "literal"
    result = scan(c, tf_dir=str(tmp_path))
    assert result.refs == (
        ref("aws_lambda_function.api", 0, LIT, DATADOG, None, c, (DATADOG,)),
        ref("aws_lambda_function.api", 1, LIT, POWERTOOLS, None, c, (POWERTOOLS,)),
        ref("aws_lambda_function.reports", 0, LIT, "arn:aws:lambda:us-east-1:123456789012:layer:shared-utils",
            None, c, ("arn:aws:lambda:us-east-1:123456789012:layer:shared-utils",)),
    )


def test_module_for_each_keeps_instance_addresses_and_follows_variables() -> None:
    c = "module_for_each"
    result = scan(c)
    billing, search = 'module.worker["billing"]', 'module.worker["search"]'
    assert result.functions == functions(
        c, f"{billing}.aws_lambda_function.this", f"{billing}.aws_lambda_function.tracer",
        f"{search}.aws_lambda_function.this", f"{search}.aws_lambda_function.tracer",
    )
    expected = []
    for module in (billing, search):
        fn, tracer = f"{module}.aws_lambda_function.this", f"{module}.aws_lambda_function.tracer"
        expected += [
            ref(fn, 0, LIT, DATADOG, ("main.tf", 8, 5), c, (DATADOG,)),
            ref(fn, 1, LIT, INSIGHTS, ("main.tf", 9, 5), c, (INSIGHTS,)),
            # Not passed by the module call: the variable's default, inside the module.
            ref(tracer, 0, LIT, OTEL, ("modules/worker/main.tf", 15, 14), c, (OTEL,)),
        ]
    assert result.refs == tuple(expected)


def test_dropped_list_is_rebuilt_from_the_tf_sources() -> None:
    """A new layer makes the whole list unknown in the plan; the vendor literals come from main.tf."""
    c = "dropped_list"
    result = scan(c)
    orders, users = 'module.svc["orders"].aws_lambda_function.this', 'module.svc["users"].aws_lambda_function.this'
    deps, tools = "aws_lambda_layer_version.deps", "aws_lambda_layer_version.tools"
    assert result.functions == functions(c, "aws_lambda_function.api", "aws_lambda_function.cron",
                                         "aws_lambda_function.jobs", orders, users)
    assert result.refs == (
        ref("aws_lambda_function.api", 0, LIT, DATADOG, ("main.tf", 21, 5), c, (DATADOG,)),
        ref("aws_lambda_function.api", 1, INT, f"{deps}.arn", ("main.tf", 22, 5), c,
            detail=f"layer {deps} of this configuration", layer_def=deps),
        # A root variable: its value is in the plan even when the list is not.
        ref("aws_lambda_function.cron", 0, PAR, "var.vendor_layer", ("main.tf", 52, 20), c, (POWERTOOLS,),
            detail="vendor_layer", source="plan variables"),
        ref("aws_lambda_function.cron", 1, INT, f"{tools}.arn", ("main.tf", 52, 38), c,
            detail=f"layer {tools} of this configuration", layer_def=tools),
        # A local value: only the .tf sources hold it.
        ref("aws_lambda_function.jobs", 0, LIT, DATADOG, ("main.tf", 41, 5), c, (DATADOG,)),
        ref("aws_lambda_function.jobs", 1, INT, f"{deps}.arn", ("main.tf", 42, 5), c,
            detail=f"layer {deps} of this configuration", layer_def=deps),
        ref(orders, 0, LIT, INSIGHTS, ("main.tf", 31, 13), c, (INSIGHTS,)),
        ref(orders, 1, INT, f"{tools}.arn", ("main.tf", 31, 87), c,
            detail=f"layer {tools} of this configuration", layer_def=tools),
        ref(users, 0, LIT, INSIGHTS, ("main.tf", 31, 13), c, (INSIGHTS,)),
        ref(users, 1, INT, f"{tools}.arn", ("main.tf", 31, 87), c,
            detail=f"layer {tools} of this configuration", layer_def=tools),
    )
    assert result.layer_defs == (
        LayerDef(deps, "deps", Location(f"{c}/main.tf", 3, 1, deps),
                 ContentSource("s3", "s3://artifacts-bucket/layers/deps.zip")),
        LayerDef(tools, "tools", Location(f"{c}/main.tf", 9, 1, tools),
                 ContentSource("local", "layers/tools.zip", local_path=f"{c}/layers/tools.zip")),
    )


def test_dropped_list_without_tf_sources_is_unknown_never_empty(tmp_path: Path) -> None:
    c = "dropped_list"
    result = scan(c, tf_dir=str(tmp_path))
    orders = 'module.svc["orders"].aws_lambda_function.this'
    deps, tools = "aws_lambda_layer_version.deps", "aws_lambda_layer_version.tools"
    why = ("the plan drops the whole layers list when one element is known only after apply, and its"
           " configuration records only the references ({}), not literal ARNs written beside them;"
           " point --tf-dir at the .tf sources to read them")
    api = [r for r in result.refs if r.consumer == "aws_lambda_function.api"]
    assert api == [
        ref("aws_lambda_function.api", 0, INT, f"{deps}.arn", None, c,
            detail=f"layer {deps} of this configuration", layer_def=deps),
        ref("aws_lambda_function.api", 1, UNK, "layers", None, c, detail=why.format(deps)),
    ]
    assert [r for r in result.refs if r.consumer == "aws_lambda_function.jobs"] == [
        ref("aws_lambda_function.jobs", 0, UNK, "local.job_layers", None, c,
            detail="the plan does not record local values such as local.job_layers; point --tf-dir at the .tf"
            " sources so layergate can read it"),
    ]
    assert [r for r in result.refs if r.consumer == orders] == [
        ref(orders, 0, INT, f"{tools}.arn", None, c, detail=f"layer {tools} of this configuration",
            layer_def=tools),
        ref(orders, 1, UNK, "layers", None, c, detail=why.format(f"var.layers, {tools}")),
    ]
    # Without the sources the local layer zip cannot be found either.
    assert [d.content for d in result.layer_defs] == [
        ContentSource("s3", "s3://artifacts-bucket/layers/deps.zip"),
        ContentSource("local", "layers/tools.zip"),
    ]


def test_data_sources_float_unless_they_pin_a_version() -> None:
    c = "data_source"
    result = scan(c)
    latest = "data.aws_lambda_layer_version.latest"
    assert result.functions == functions(c, "aws_lambda_function.api", "aws_lambda_function.batch",
                                         "aws_lambda_function.worker")
    assert result.refs == (
        ref("aws_lambda_function.api", 0, DYN, f"{latest}.arn", ("main.tf", 22, 20), c, (f"{VENDOR}:3",),
            detail=f"data source {latest} has no version: it takes the latest version at every plan"),
        ref("aws_lambda_function.batch", 0, LIT, "data.aws_lambda_layer_version.pinned.arn", ("main.tf", 31, 20), c,
            (f"{VENDOR}:2",), detail="data source data.aws_lambda_layer_version.pinned pins version 2"),
        # Read only at apply (it depends on a layer of this apply): floating, and no value yet.
        ref("aws_lambda_function.worker", 0, DYN, "data.aws_lambda_layer_version.own.arn", ("main.tf", 52, 20), c,
            detail="data source data.aws_lambda_layer_version.own has no version: it takes the latest version"
            " at every plan"),
    )
    own = "aws_lambda_layer_version.own"
    assert result.layer_defs == (
        LayerDef(own, "own", Location(f"{c}/main.tf", 35, 1, own),
                 ContentSource("s3", "s3://artifacts-bucket/layers/own.zip", "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")),
    )


def test_layer_permissions_become_grants() -> None:
    c = "public_permission"
    result = scan(c)
    shared = "aws_lambda_layer_version.shared"
    perm = "aws_lambda_layer_version_permission"
    assert result.grants == (
        LayerGrant("arn:aws:lambda:us-east-1:123456789012:layer:legacy:3", "*", None,
                   Location(f"{c}/main.tf", 35, 1, f"{perm}.legacy"), f"{perm}.legacy"),
        LayerGrant(shared, "*", "o-abc123def4", Location(f"{c}/main.tf", 17, 1, f"{perm}.org"), f"{perm}.org"),
        LayerGrant(shared, "210987654321", None, Location(f"{c}/main.tf", 26, 1, f"{perm}.partner"), f"{perm}.partner"),
        LayerGrant(shared, "*", None, Location(f"{c}/main.tf", 9, 1, f"{perm}.public"), f"{perm}.public"),
    )
    assert (result.functions, result.refs) == ((), ())


def test_count_instances_and_plan_variables() -> None:
    c = "count"
    result = scan(c)
    workers = ("aws_lambda_function.worker[0]", "aws_lambda_function.worker[1]")
    shared = "arn:aws:lambda:us-east-1:123456789012:layer:shared:4"
    assert result.functions == functions(c, *workers)  # count = 0 makes no instance
    expected = []
    for fn in workers:
        expected += [
            ref(fn, 0, LIT, DATADOG, ("main.tf", 18, 27), c, (DATADOG,)),
            # The value comes from terraform.tfvars, which the plan records as the variable's value.
            ref(fn, 1, PAR, "var.extra_layers", ("main.tf", 18, 96), c, (shared,), detail="extra_layers",
                source="plan variables"),
        ]
    assert result.refs == tuple(expected)


def test_deleted_functions_are_skipped_and_existing_layers_resolve() -> None:
    c = "deleted"
    result = scan(c)
    deps = "aws_lambda_layer_version.deps"
    assert result.functions == functions(c, "aws_lambda_function.kept")  # .old is deleted by this plan
    assert result.refs == (
        ref("aws_lambda_function.kept", 0, INT, f"{deps}.arn", ("main.tf", 17, 5), c,
            ("arn:aws:lambda:us-east-1:123456789012:layer:deps:7",), detail=f"layer {deps} of this configuration",
            layer_def=deps),
        ref("aws_lambda_function.kept", 1, LIT, DATADOG, ("main.tf", 18, 5), c, (DATADOG,)),
    )
