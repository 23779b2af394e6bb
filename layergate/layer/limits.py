"""The limits a layer is read under (kept apart so the command-line options can show them cheaply)."""

from __future__ import annotations

from layergate.records import dataclass

LAMBDA_UNZIPPED_LIMIT = 262_144_000  # 250 MB: function code and all its layers, unzipped


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = LAMBDA_UNZIPPED_LIMIT  # total uncompressed size
    max_files: int = 50_000  # entries, directories included
    max_ratio: int = 100  # uncompressed/compressed size of one entry ...
    ratio_floor: int = 1 << 20  # ... checked for entries at least this large (small ones cannot amplify)


DEFAULT_LIMITS = Limits()
