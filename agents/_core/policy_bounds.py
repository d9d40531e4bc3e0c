"""Limits on reading a policy file, so that no file (an alias bomb, a huge or deeply nested one) can stall the service.

A policy is a page of YAML; the limits are far above any real one and far below what would hurt the process.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Literal

from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_BYTES = 128 * 1024  # the largest shipped policy has 9 KB
MAX_DEPTH = 32  # nested mappings and lists; the shipped policies use 7
MAX_VALUES = 20_000  # scalars, mappings and lists once every alias is written out; the shipped policies have ~200
MAX_SECONDS = 1.0  # parsing the text into nodes; a shipped policy takes ~50 ms, a full-size file ~0.7 s


class TooLarge(Exception):
    """The file is over MAX_BYTES; `size` is how many bytes it has (at least)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class OverLimit(MarkedYAMLError):
    """A part of the file that, with its aliases written out, holds more than MAX_VALUES values or nests deeper than
    MAX_DEPTH, or contains itself ("recursive"); `key` names the top-level key it is under, when there is one."""

    def __init__(self, limit: Literal["values", "depth", "recursive"], line: int, key: str) -> None:
        super().__init__(problem=f"over the {limit} limit")
        self.limit = limit
        self.line = line  # 1-based
        self.key = key


class Overtime(MarkedYAMLError):
    """Parsing took longer than MAX_SECONDS."""


def read_prefix(path: Path) -> bytes:
    """At most MAX_BYTES + 1 bytes of the file: all of a policy, and enough of anything else to tell it is too large."""
    with Path(path).open("rb") as handle:
        return handle.read(MAX_BYTES + 1)


def read_capped(path: Path) -> bytes:
    """The file's bytes, refusing one over MAX_BYTES without reading it all (a policy folder is not a place for a dump)."""
    raw = read_prefix(path)
    if len(raw) > MAX_BYTES:
        raise TooLarge(max(len(raw), Path(path).stat().st_size))
    return raw


class BoundedComposer(Composer):
    """ruamel's composer with a deadline, and a running count of the values each node holds once aliases are expanded.

    An alias costs nothing to parse (it points at the anchored node), but every walk over the result (tags, plain
    values, the model) expands it: ten levels of ten aliases are 10^10 values. Each node is measured once, when it is
    complete, from its children's measures, so such a file is refused at the first alias over the limit, in
    microseconds, and a chain of aliases cannot nest deeper than the stack of the walks that come after.
    """

    def compose_document(self) -> Node:
        self._deadline = time.monotonic() + MAX_SECONDS
        self._measured: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth) once its aliases are written out
        self._top_key: ScalarNode | None = None  # the top-level key being composed: where the admin looks
        try:
            return super().compose_document()
        except MaxDepthExceededError as exc:  # ruamel's check of the text's own nesting
            raise OverLimit("depth", _line(exc.problem_mark), self._key()) from None

    def compose_node(self, parent: object, index: object) -> Node:
        if time.monotonic() > self._deadline:
            raise Overtime(problem=f"took over {MAX_SECONDS:g}s", problem_mark=self.parser.peek_event().start_mark)
        if self.depth == 1 and isinstance(index, ScalarNode):
            self._top_key = index
        alias = self.parser.check_event(AliasEvent)
        mark = self.parser.peek_event().start_mark
        node = super().compose_node(parent, index)
        if id(node) in self._measured:
            return node
        if alias:  # an alias to a node still being composed: the node contains itself, endlessly
            raise OverLimit("recursive", _line(mark), self._key())
        kids = [self._measured[id(child)] for child in _children(node)]
        values, depth = 1 + sum(v for v, _ in kids), 1 + max((d for _, d in kids), default=0)
        self._measured[id(node)] = (values, depth)
        if depth > MAX_DEPTH or values > MAX_VALUES:
            raise OverLimit("depth" if depth > MAX_DEPTH else "values", _line(mark), self._key())
        return node

    def _key(self) -> str:
        return str(self._top_key.value) if self._top_key is not None and self.depth >= 1 else ""


def check_flow_nesting(text: str) -> None:
    """Refuse [[[[... or {{{{... deeper than MAX_DEPTH before the YAML scanner sees it: the scanner reads a whole flow
    collection ahead (to find out whether it is a key) at a cost that grows with the square of its depth."""
    depth, line, quote, i = 0, 1, "", 0
    while i < len(text):
        char = text[i]
        if char == "\n":
            line += 1
        elif quote:
            if char == quote and not (quote == '"' and text[i - 1] == "\\"):
                quote = ""
        elif char in "'\"" and (i == 0 or text[i - 1] in " \t\n[{,:"):
            quote = char
        elif char == "#" and (i == 0 or text[i - 1] in " \t\n"):
            i = text.find("\n", i) - 1 if "\n" in text[i:] else len(text)
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise OverLimit("depth", line, "")
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1


def _line(mark: object) -> int:
    return getattr(mark, "line", 0) + 1


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []
