"""A YAML loader that refuses hostile files quickly and in bounded memory.

PyYAML shares an aliased node instead of copying it, so a "billion laughs" file is small once
composed, but everything that walks the data afterwards (the line/column marks, the schema)
expands every alias: nine levels of nine aliases are 387 million nodes. PyYAML also composes
nested collections recursively (nesting hundreds deep ends in RecursionError) and converts
integers of any length (thousands of digits raise ValueError). The limits below are far beyond
any real roster or resolution and are checked while the document is composed, before anything
expands it.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_FILE_BYTES = 2 * 1024 * 1024  # a roster of several thousand people is well under 1 MB
MAX_DEPTH = 32  # the schema itself nests 7 levels deep
MAX_ALIASES = 1_000  # every use of a &anchor
MAX_NODES = 250_000  # the document with every alias expanded
MAX_COMPOSED = 100_000  # nodes as written: a roster of 8,000 people is under 60,000
MAX_INT_CHARS = 30  # a chat id has at most 16 digits


class LimitExceeded(yaml.MarkedYAMLError):
    """The document is valid YAML but exceeds a limit above; its mark is where."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(problem=message, problem_mark=mark)
        self.message = message


class LimitedLoader(yaml.SafeLoader):
    """SafeLoader with the limits above; an impossible date (2023-13-40) stays a string, for the
    schema to flag at its place."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._composed = 0

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:  # noqa: N803
        # The scanner looks ahead for a possible key at every open bracket: hundreds of them
        # cost quadratic time before the composer below ever sees the depth.
        if self.flow_level >= MAX_DEPTH:
            raise LimitExceeded(
                f"слишком глубокая вложенность: больше {MAX_DEPTH} уровней", self.get_mark()
            )
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise LimitExceeded(
                    f"слишком много ссылок на якоря (*…): больше {MAX_ALIASES}", event.start_mark
                )
        else:
            # counted as they are read: a long plain list must not be composed whole first
            self._composed += 1
            if self._composed > MAX_COMPOSED:
                raise LimitExceeded(
                    f"слишком много элементов в файле: больше {MAX_COMPOSED} "
                    "(разделите его на несколько файлов)",
                    event.start_mark,
                )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise LimitExceeded(
                    f"слишком глубокая вложенность: больше {MAX_DEPTH} уровней", event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> Node | None:
        node = super().compose_document()
        if node is not None:
            _Expansion().measure(node)
        return node

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        # An explicit tag on a value it does not fit (!!int people, !!bool maybe, !!float x)
        # raises a bare ValueError/KeyError inside PyYAML: give it the node's place instead.
        try:
            return super().construct_object(node, deep)
        except (ValueError, KeyError, TypeError, OverflowError):
            tag = str(node.tag).removeprefix("tag:yaml.org,2002:")
            raise yaml.constructor.ConstructorError(
                None, None, f"значение не подходит к тегу !!{tag}", node.start_mark
            ) from None

    def construct_yaml_int(self, node: ScalarNode) -> Any:
        if len(str(node.value)) > MAX_INT_CHARS:
            raise LimitExceeded(
                f"слишком длинное число: больше {MAX_INT_CHARS} знаков "
                "(если это текст, возьмите его в кавычки)",
                node.start_mark,
            )
        return super().construct_yaml_int(node)

    def construct_yaml_timestamp(self, node: ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


LimitedLoader.add_constructor("tag:yaml.org,2002:int", LimitedLoader.construct_yaml_int)
LimitedLoader.add_constructor("tag:yaml.org,2002:timestamp", LimitedLoader.construct_yaml_timestamp)


class _Expansion:
    """Size and depth of a composed document as if every alias were copied out, computed once
    per node (aliased nodes are shared), refusing an alias that contains itself."""

    def __init__(self) -> None:
        self._sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes, depth)
        self._open: set[int] = set()

    def measure(self, node: Node) -> tuple[int, int]:
        key = id(node)
        if (known := self._sizes.get(key)) is not None:
            return known
        if key in self._open:
            raise LimitExceeded("якорь ссылается сам на себя", node.start_mark)
        self._open.add(key)
        children: list[Node] = []
        if isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        size, depth = 1, 1
        for child in children:
            child_size, child_depth = self.measure(child)
            size += child_size
            depth = max(depth, child_depth + 1)
            if size > MAX_NODES:
                raise LimitExceeded(
                    f"документ со всеми ссылками на якоря больше {MAX_NODES} элементов",
                    node.start_mark,
                )
            if depth > MAX_DEPTH:
                raise LimitExceeded(
                    f"слишком глубокая вложенность с учётом якорей: больше {MAX_DEPTH} уровней",
                    child.start_mark,
                )
        self._open.discard(key)
        self._sizes[key] = (size, depth)
        return size, depth
