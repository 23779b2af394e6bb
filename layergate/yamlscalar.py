"""Writing Python values as YAML scalars that read back as exactly those values.

Plain where that is safe (an ARN, a hex digest, a simple name), double-quoted otherwise: anything a YAML
reader could take for a boolean, a null, a number, a date or a timestamp, or that holds characters
with a meaning in YAML. A JSON string is a valid YAML double-quoted scalar, so quoting is ``json.dumps``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

Scalar = str | int | bool | dt.date | None
Value = Scalar | dict[str, Scalar]  # a mapping is written as a one-line flow mapping: {key: value, ...}

_SPECIAL = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"}
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@/+:-]*")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def render(value: Value) -> str:
    """A YAML scalar that reads back as exactly ``value`` (plain when that is safe, else double-quoted)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {render(v) or 'null'}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if _plain_ok(value):
        return value
    return json.dumps(value, ensure_ascii=False)  # JSON strings are valid YAML double-quoted scalars


def _plain_ok(text: str) -> bool:
    if not _PLAIN.fullmatch(text) or text.endswith(":") or text.lower() in _SPECIAL or _number(text):
        return False
    if text[0].isdigit():  # dates, timestamps, octal and hex forms; a hex digest is fine (numbers are out above)
        return bool(_HEX64.fullmatch(text))
    return True


def _number(text: str) -> bool:
    """Python reads it as a number (``nan``, ``inf``, ``1_0``), as a loose YAML reader might."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def pair(key: str, value: Value) -> str:
    text = render(value)
    return f"{key}: {text}" if text else f"{key}:"


def as_read(value: Value) -> Any:
    """``value`` as yamlnodes.to_python reads it back (dates stay text there)."""
    if isinstance(value, dict):
        return {k: as_read(v) for k, v in value.items()}
    return value.isoformat() if isinstance(value, dt.date) else value
