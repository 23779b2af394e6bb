"""`fix` for a Terraform layers entry read from SSM: ``data.aws_ssm_parameter.X.value`` becomes the quoted layer
version ARN the parameter holds today.

Only a plain reference that is itself an element of the function's own ``layers`` list is rewritten: through a
local, a module input or a function call the same text may feed other functions (in other regions), so those
are refused with the reason. The data block stays where it is (other code may read it); the report says it
may now be unused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from layergate.fix import sites
from layergate.fix.resolve import Answer, Ask
from layergate.model import LayerRef

TYPE_CHECKING = False
if TYPE_CHECKING:
    from layergate.fix.plan import Edit, Fixed, Pending

DETAIL = re.compile(r"data source (data\.aws_ssm_parameter\.[\w-]+) reads SSM parameter (\S+) at plan time")
_REFERENCE = re.compile(r"data\.aws_ssm_parameter\.[\w-]+\.(?:insecure_)?value")


def todo(ref: LayerRef, address: str, name: str, regions: Sequence[str],
         read: Callable[[str], sites.Source]) -> Pending | str:
    from layergate.fix.plan import Edit, Pending

    if ref.location.path != ref.consumer:
        return (f"the value comes through {ref.location.path}, which may feed other functions: write the layer"
                " version ARN in the function's layers list by hand")
    if ref.consumer.startswith("module."):
        return f"{address} is read inside a module: pin the layer in the module's source or pass it in"
    if "computed from it" in ref.resolution.detail:
        return f"the layer ARN is computed from {address}; layergate cannot invert this expression"
    src = read(ref.location.file)
    start = src.offset(ref.location.line, ref.location.column)
    written = _REFERENCE.match(src.text, start) if start >= 0 else None
    if written is None or not written.group(0).startswith(address + "."):
        return f"{ref.expression!r} is not written as a plain reference at its position"
    before = src.text[:start].rstrip()[-1:]
    after = src.text[written.end():].lstrip()[:1]
    if before not in "[," or after not in "],":
        return (f"{written.group(0)} is an argument of an expression (a function call or a split list), not an"
                " element of the layers list: write the layer version ARNs there by hand")
    if not regions:
        return (f"SSM parameter {name} is read in the provider's region, which is not known: pass --region or "
                "set regions in the policy")
    asks = tuple(Ask("ssm", r, name) for r in regions)

    def finish(answers: Mapping[Ask, Answer]) -> Fixed | str:
        return _finish(answers, asks, name, address, Edit(src.path, start, written.end(), ""))

    return Pending(asks, finish)


def _finish(answers: Mapping[Ask, Answer], asks: Sequence[Ask], name: str, address: str, edit: Edit) -> Fixed | str:
    """The one version ARN the parameter holds in every region the provider deploys to, as ``edit``'s text."""
    from layergate.fix.plan import Fixed, ssm_arns
    from layergate.records import replace

    arns = ssm_arns(asks, answers, name)
    if isinstance(arns, str):
        return arns
    values: dict[str, str] = {}
    for region, arn in arns.items():
        if arn.version is None:
            return (f"SSM parameter {name} in {region} holds {arn} without a version: there is no exact version"
                    " to pin; write the reviewed layer version ARN in the layers list")
        values[region] = str(arn)
    distinct = sorted(set(values.values()))
    if len(distinct) > 1:
        said = ", ".join(f"{r}: {v}" for r, v in sorted(values.items()))
        return (f"SSM parameter {name} holds different ARNs per region ({said}); one literal cannot say both:"
                " write the ARN per provider")
    pinned = distinct[0]
    return Fixed(replace(edit, new=f'"{pinned}"'), f"{pinned} ({address} may now be unused)", (pinned,))
