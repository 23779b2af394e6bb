"""The shell command lines README.md and docs/*.md show, read from their fenced code blocks.

A command line is every line of a ``sh``/``bash``/``shell`` block (alternatives: each runs on its own), and every
``$ `` line of any other block (a session: the block's commands run one after the other in one place). A
trailing ``# comment`` is not part of the command. ``$ echo $?`` is the shell printing the status of the command
before it: it is not run, the status the document shows is attached to that command instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = (REPO / "README.md", *sorted((REPO / "docs").glob("*.md")))
SHELL = {"sh", "bash", "shell"}
_FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)
_COMMENT = re.compile(r"\s{2,}#.*$")


@dataclass(frozen=True)
class DocCommand:
    doc: str  # README.md, docs/serverless.md
    line: int
    command: str
    block: int  # index of the fenced block in its document
    session: bool  # part of a $-session (runs after the block's earlier commands, in the same directory)
    occurrence: int = 0  # how many times the same command came before in the same document
    shown_status: int | None = None  # what a following `$ echo $?` shows

    @property
    def key(self) -> str:
        return f"{self.doc}: {self.command}" + (f" #{self.occurrence + 1}" if self.occurrence else "")


def _strip(command: str) -> str:
    return _COMMENT.sub("", command).strip()


def doc_commands() -> list[DocCommand]:
    found: list[DocCommand] = []
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        doc = str(path.relative_to(REPO))
        seen: dict[str, int] = {}
        for index, block in enumerate(_FENCE.finditer(text)):
            first = text[: block.start("body")].count("\n") + 1
            lines = block.group("body").splitlines()
            shell = block.group("lang") in SHELL
            for offset, raw in enumerate(lines):
                line = raw.strip()
                if shell and line and not line.startswith("#"):
                    command = _strip(line)
                elif line.startswith("$ "):
                    command = _strip(line[2:])
                else:
                    continue
                if command == "echo $?":
                    shown = lines[offset + 1].strip() if offset + 1 < len(lines) else ""
                    if found and found[-1].doc == doc and found[-1].block == index and shown.isdigit():
                        last = found.pop()
                        found.append(DocCommand(last.doc, last.line, last.command, last.block, last.session,
                                                last.occurrence, int(shown)))
                        continue
                occurrence = seen.get(command, 0)
                seen[command] = occurrence + 1
                found.append(DocCommand(doc, first + offset, command, index, not shell, occurrence))
    return found
