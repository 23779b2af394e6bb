"""The examples in a rule's README are copies of its case files; this finds them and can refresh them.

In ``rules/<ID>-<slug>/README.md`` a line that is exactly `` `cases/<case>/<file>`: `` followed by a fenced
code block declares that block to be the content of that file. ``test_rule_catalog`` fails when a block and
its file differ; after changing a case, refresh the README with::

    python3 tests/rule_docs.py rules/LG201-publisher-not-allowed/README.md
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

_REF_RE = re.compile(r"^`(cases/[^`]+)`:$")
_FENCE_RE = re.compile(r"^```")


@dataclass(frozen=True, slots=True)
class Example:
    path: str  # relative to the rule folder, e.g. cases/unknown-account/template.yaml
    body: str  # the block's content, with its trailing newline
    start: int  # index of the first content line
    end: int  # index of the closing fence


def examples(text: str) -> list[Example]:
    lines = text.splitlines(keepends=True)
    found: list[Example] = []
    i = 0
    while i < len(lines):
        m = _REF_RE.match(lines[i].rstrip("\n"))
        if m and i + 1 < len(lines) and _FENCE_RE.match(lines[i + 1]):
            end = i + 2
            while end < len(lines) and not _FENCE_RE.match(lines[end]):
                end += 1
            found.append(Example(m[1], "".join(lines[i + 2 : end]), i + 2, end))
            i = end
        i += 1
    return found


def refresh(readme: Path) -> bool:
    """Rewrite every example block from its file; True when the README changed."""
    text = readme.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for ex in reversed(examples(text)):
        body = (readme.parent / ex.path).read_text(encoding="utf-8")
        if body and not body.endswith("\n"):
            body += "\n"
        lines[ex.start : ex.end] = [body] if body else []
    new = "".join(lines)
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        if refresh(Path(arg)):
            print(f"refreshed {arg}")
