"""From paths to scans: discover files, parse each with its format, collect every input error."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from layergate.discover import Skipped, discover
from layergate.errors import ErrorList, LayergateError
from layergate.model import Scan
from layergate.records import dataclass
from layergate.sources import NotThisFormat, ParseOptions


@dataclass(frozen=True, slots=True)
class ScanResult:
    scans: tuple[Scan, ...]
    files_by_format: tuple[tuple[str, int], ...]  # (format, number of files), most files first
    skipped: tuple[Skipped, ...]


def scan_paths(paths: Sequence[str], options: ParseOptions, excludes: Sequence[str]) -> ScanResult:
    """Parse every file under ``paths``. Raises ErrorList naming every unreadable input at once."""
    targets, skipped = discover(paths, excludes)
    scans: list[Scan] = []
    errors: list[LayergateError] = []
    per_format: Counter[str] = Counter()
    for target in targets:
        try:
            result = target.module.parse(target.path, options)
        except NotThisFormat as exc:
            if target.explicit and str(exc):
                skipped.append(Skipped(target.path, str(exc)))
            else:
                skipped.append(Skipped(target.path, "not a template, configuration or plan"))
            continue
        except LayergateError as exc:
            errors.append(exc)
            continue
        except RecursionError:
            errors.append(LayergateError("nesting too deep to read", target.path))
            continue
        scans.extend(result)
        # A CDK assembly counts as one input however many stacks it holds.
        per_format[result[0].format if result else target.module.FORMAT] += 1
    if errors:
        raise ErrorList(errors)
    return ScanResult(
        scans=tuple(scans),
        files_by_format=tuple(sorted(per_format.items(), key=lambda kv: (-kv[1], kv[0]))),
        skipped=tuple(skipped),
    )
