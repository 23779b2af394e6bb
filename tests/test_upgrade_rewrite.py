"""`upgrade --apply`'s text rewrite, byte for byte, on templates of every format.

``fixtures/upgrade/before`` holds a small repository written the way real ones are (adapted from the
vendors' published examples, attributed in each file): block and flow YAML, JSON with a BOM and CRLF,
``Fn::Join`` and ``Fn::Sub`` pieces, a parameter default, a ``--parameters`` file, ``samconfig.toml``,
Serverless ``params``, Terraform ``locals``, a variable default and a ``.tfvars`` file, comments on the
ARN's line and comments naming the ARN, and the same ARN in several files. ``after`` is the whole
expected result: only the version digits change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from layergate.arn import LayerArn
from layergate.errors import PolicyError
from layergate.rewrite.files import candidates, write_all
from layergate.rewrite.versions import Key, Move, Refusal, rewrite

FIXTURES = Path(__file__).parent / "fixtures" / "upgrade"
POWERTOOLS = "arn:aws:lambda:{}:017000801446:layer:AWSLambdaPowertoolsPythonV2:59"
DATADOG = "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:65"
PT_KEY: Key = ("017000801446", "AWSLambdaPowertoolsPythonV2", 59)
DD_KEY: Key = ("464622532012", "Datadog-Extension", 65)
REFERENCED = {PT_KEY: frozenset({"us-east-1", "eu-west-1"}), DD_KEY: frozenset({"us-east-1"})}
MOVES = [Move(LayerArn.parse(POWERTOOLS.format("us-east-1")), 62),
         Move(LayerArn.parse(POWERTOOLS.format("eu-west-1")), 62), Move(LayerArn.parse(DATADOG), 67)]


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "before", tmp_path / "repo")
    return tmp_path / "repo"


def apply(repo: Path, moves: list[Move]) -> tuple[Refusal, ...]:
    done = rewrite(candidates([str(repo)], [], [], []), moves, REFERENCED)
    write_all([(e.path, e.original, e.new) for e in done.edits], command="upgrade")
    return done.refusals


def test_every_file_is_rewritten_byte_exact(repo: Path) -> None:
    assert apply(repo, MOVES) == ()
    assert tree(repo) == tree(FIXTURES / "after")


def test_bom_and_crlf_survive(repo: Path) -> None:
    apply(repo, MOVES)
    data = (repo / "cfn-json" / "ingest.template.json").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf{\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert (repo / "sam" / "params.json").read_bytes().count(b"\r\n") == 6


def test_a_region_variable_is_refused_when_its_regions_move_apart(repo: Path) -> None:
    moves = [m for m in MOVES if m.old.region != "eu-west-1"]  # eu-west-1 stays at 59
    refusals = apply(repo, moves)
    why = "is used in several regions that do not all move to the same version (us-east-1 -> 62, eu-west-1 stays)"
    assert [str(r) for r in refusals] == [
        f"{repo}/cfn-json/ingest.template.json:12:122: 017000801446:layer:AWSLambdaPowertoolsPythonV2:59 {why}; "
        "pass --to, or write the ARN per region",
        f"{repo}/sam/template.yaml:19:91: arn:aws:lambda:${{AWS::Region}}:017000801446:layer:"
        f"AWSLambdaPowertoolsPythonV2:59 {why}; pass --to, or write the ARN per region",
        f"{repo}/serverless/serverless.yml:19:95: arn:aws:lambda:${{self:provider.region}}:017000801446:layer:"
        f"AWSLambdaPowertoolsPythonV2:59 {why}; pass --to, or write the ARN per region",
        f"{repo}/terraform/main.tf:3:117: arn:aws:lambda:${{data.aws_region.current.name}}:017000801446:layer:"
        f"AWSLambdaPowertoolsPythonV2:59 {why}; pass --to, or write the ARN per region",
    ]
    # The literal us-east-1 ARN still moves (the command then holds the whole layer back: see the CLI tests).
    assert b"AWSLambdaPowertoolsPythonV2:62'" in (repo / "sam" / "template.yaml").read_bytes()


def test_a_file_changed_meanwhile_stops_every_write(repo: Path) -> None:
    done = rewrite(candidates([str(repo)], [], [], []), MOVES, REFERENCED)
    before = tree(repo)
    last = Path(done.edits[-1].path)
    last.write_bytes(last.read_bytes() + b"# edited\n")
    with pytest.raises(PolicyError, match="the file changed while upgrade ran; nothing was written"):
        write_all([(e.path, e.original, e.new) for e in done.edits], command="upgrade")
    assert tree(repo) == {**before, str(last.relative_to(repo)): before[str(last.relative_to(repo))] + b"# edited\n"}
