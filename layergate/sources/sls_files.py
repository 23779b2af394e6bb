"""``${file(./x.yml):key}``: reading the YAML, JSON or text files a Serverless configuration includes.

The file must lie inside the repository root (``ParseOptions.root``; when the configuration itself lies
outside that root, its own directory is the boundary), because layergate only vouches for what is in the
repository. A ``.js``/``.ts`` file is code: it is never run, and what it would return is UNKNOWN. A file
that does not exist gives no value (the variable's fallback applies, as in the framework); one that
cannot be read or parsed ends the run with one line naming the variable.
"""

from __future__ import annotations

import os

from yaml.nodes import Node

from layergate.errors import InputError
from layergate.jsonnodes import parse_json
from layergate.model import ResolutionKind
from layergate.sources.sls_tree import DONE, Budget, Item, Unresolved, check_size, from_node
from layergate.yamlnodes import parse_yaml, read_text

MAX_FILES = 256  # distinct files one configuration may include
CODE_SUFFIXES = (".js", ".cjs", ".mjs", ".ts", ".cts", ".mts")
_PARSED = (".yml", ".yaml", ".json", ".tfstate")


class FileCache:
    """Parsed files, shared by every evaluation of one configuration (nodes are never modified)."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node | str | None] = {}


class FileLoader:
    def __init__(self, config_file: str, root: str, budget: Budget, cache: FileCache) -> None:
        self.config_file = config_file
        self.base = os.path.dirname(config_file)
        real_root = os.path.realpath(root)
        real_config = os.path.realpath(config_file)
        inside = os.path.commonpath([real_root, real_config]) == real_root
        self.boundary = real_root if inside else os.path.dirname(real_config)
        self.budget = budget
        self.cache = cache

    def read(self, rel: str, var_text: str, at: Item) -> Item | None:
        """The whole content of ``rel`` as Items; None when the file does not exist."""
        if not rel:
            raise InputError(f"{var_text}: no file named", at.file, at.line, at.column)
        display = os.path.normpath(os.path.join(self.base, rel))
        real = os.path.realpath(display)
        if os.path.commonpath([self.boundary, real]) != self.boundary:
            raise InputError(f"{var_text}: {rel} is outside the repository root; layergate only reads"
                             " files inside it", at.file, at.line, at.column)
        if rel.lower().endswith(CODE_SUFFIXES):
            reason = f"{var_text}: {rel} is code, which layergate does not run"
            return Item(Unresolved(ResolutionKind.UNKNOWN, reason), at.file, at.line, at.column, state=DONE)
        if not os.path.exists(real):
            return None
        if os.path.isdir(real):
            raise InputError(f"{var_text}: {rel} is a directory, not a file", at.file, at.line, at.column)
        if real not in self.cache.nodes:
            if len(self.cache.nodes) >= MAX_FILES:
                raise InputError(f"{var_text}: the configuration includes more than {MAX_FILES} files",
                                 at.file, at.line, at.column)
            parsed = self._parse(real, display, var_text, at)
            if isinstance(parsed, Node):
                check_size(parsed, display, self.budget)
            self.cache.nodes[real] = parsed
        content = self.cache.nodes[real]
        if isinstance(content, Node):
            return from_node(content, display, self.budget)
        return Item(content, display, 1, 1, state=DONE if content is None else 0)

    def _parse(self, real: str, display: str, var_text: str, at: Item) -> Node | str | None:
        try:
            text = read_text(display)
            if real.lower().endswith((".json", ".tfstate")):
                return parse_json(text, display)
            if real.lower().endswith(_PARSED):
                return parse_yaml(text, display)
        except InputError as exc:
            raise InputError(f"{var_text}: {exc}", at.file, at.line, at.column) from None
        return text  # any other file is plain text, as in the framework
