"""The ``extension:`` value `upgrade --apply` records for a new version: read from its content, not guessed.

The content diff already read the new version's zip: an entry directly under ``extensions/`` is a process
Lambda starts beside the handler, so the version is recorded with ``extension: true``; a zip that holds
none is recorded with ``extension: false`` (unless the catalog lists the layer as an extension: calling it
one only asks for more review). When the content was not read (``--no-diff``, a download that failed),
nothing is guessed: the entry is written without ``extension`` and without ``reviewed_by``, so `check`
keeps failing with LG301 until a person has looked and set both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from layergate.arn import LayerArn
from layergate.catalog import Catalog
from layergate.lockfile import Edit
from layergate.records import dataclass, replace
from layergate.upgrade.diffs import DiffResult
from layergate.yamlscalar import Value

REVIEW_KEYS = frozenset({"reviewed_by", "reviewed_at"})


@dataclass(frozen=True, slots=True)
class Flag:
    extension: bool | None  # None: could not be determined
    line: str  # what the report says about it


def flags(arns: Iterable[LayerArn], diffs: Sequence[DiffResult], catalog: Catalog,
          not_read: str) -> dict[str, Flag]:
    """Per new version ARN; ``not_read`` says why there is no diff at all (``--no-diff``)."""
    out: dict[str, Flag] = {}
    for arn in arns:
        key = str(arn)
        mine = [d for d in diffs if str(d.new) == key]
        read = next((d.diff for d in mine if d.diff is not None), None)
        listed = catalog.is_extension(arn)
        if read is not None:
            names = [e.path for e in read.new.extensions]
            if names:
                out[key] = Flag(True, f"  extension: true (the new version holds {', '.join(names)})")
            elif listed:
                out[key] = Flag(True, "  extension: true (no extensions/ entry in the new version, but the "
                                      "catalog lists this layer as an extension)")
            else:
                out[key] = Flag(False, "  extension: false (the new version holds no extensions/ entry)")
            continue
        why = next((d.problem for d in mine if d.problem), not_read)
        if listed:
            out[key] = Flag(True, f"  extension: true (the catalog lists this layer as an extension; {why})")
        else:
            out[key] = Flag(None, f"  extension: not determined ({why}): recorded without extension and "
                                  "reviewed_by; set extension: true or false after reading its content")
    return out


def settle(edits: Sequence[Edit], found: dict[str, Flag]) -> list[Edit]:
    """The edits with each new version's ``extension`` from ``found``; undetermined ones left unreviewed."""
    out = []
    for e in edits:
        flag = found.get(e.arn)
        if flag is None:
            out.append(e)
            continue
        out.append(replace(e, values=_set(e.values, flag.extension, drop_review=flag.extension is None),
                           defaults=_set(e.defaults, flag.extension, drop_review=False)))
    return out


def _set(pairs: tuple[tuple[str, Value], ...], value: bool | None, *,
         drop_review: bool) -> tuple[tuple[str, Value], ...]:
    kept = [(k, v) for k, v in pairs if not (drop_review and k in REVIEW_KEYS)]
    if value is None:
        return tuple((k, v) for k, v in kept if k != "extension")
    return tuple((k, value if k == "extension" else v) for k, v in kept)


def annotate(lines: Sequence[str], found: dict[str, Flag]) -> list[str]:
    """``lock``'s "recorded  ARN ..." lines, each followed by what was decided about ``extension``."""
    out = []
    for line in lines:
        out.append(line)
        words = line.split()
        if line.startswith("recorded  ") and len(words) > 1 and words[1] in found:
            out.append(found[words[1]].line)
    return out
