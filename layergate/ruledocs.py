"""Where the rule documentation lives: ``rules/`` in a checkout, ``layergate/_rules`` in an installed wheel."""

from __future__ import annotations

from pathlib import Path

from layergate.rule import Rule

_PACKAGE = Path(__file__).resolve().parent
DOCS_URL = "https://github.com/layergate/layergate/blob/main/rules"


def rules_dir() -> Path | None:
    for candidate in (_PACKAGE / "_rules", _PACKAGE.parent / "rules"):
        if candidate.is_dir():
            return candidate
    return None


def readme(rule: Rule) -> str | None:
    base = rules_dir()
    if base is None:
        return None
    path = base / rule.folder / "README.md"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def help_uri(rule: Rule) -> str:
    return f"{DOCS_URL}/{rule.folder}/README.md"
