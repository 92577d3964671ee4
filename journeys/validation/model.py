"""A tolerant reading of a journey document for the checks written in Python.

The JSON Schema stage reports every malformed part; the later checks still run on whatever is
well-formed, so one typo does not hide the other problems. This module is the only place that
decides what "well-formed enough" means: nodes are objects, edges have string ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from core.jsonpointer import pointer

WAIT_TYPES = frozenset({"wait", "wait_event"})


@dataclass(frozen=True)
class Node:
    index: int
    id: str | None  # None when missing or not a non-empty string
    type: str | None
    config: Mapping[str, Any]  # {} when missing or not an object
    raw: Mapping[str, Any]

    @property
    def path(self) -> str:
        return f"/nodes/{self.index}"

    def at(self, *tokens: str | int) -> str:
        """Pointer to a place inside this node's config."""
        return pointer(f"{self.path}/config", *tokens)


@dataclass(frozen=True)
class Edge:
    index: int
    source: str
    target: str
    port: str  # "next" when the edge names none
    names_port: bool

    @property
    def path(self) -> str:
        return f"/edges/{self.index}"

    @property
    def port_path(self) -> str:
        return f"{self.path}/port" if self.names_port else self.path


@dataclass(frozen=True)
class Journey:
    nodes: tuple[Node, ...]  # every node that is an object, in document order
    edges: tuple[Edge, ...]  # every edge with string ends, in document order
    settings: Mapping[str, Any]
    by_id: Mapping[str, Node] = field(default_factory=dict)  # first node of each id

    def of_type(self, node_type: str) -> Iterator[Node]:
        return (node for node in self.nodes if node.type == node_type)

    @property
    def send_ids(self) -> frozenset[str]:
        return frozenset(node.id for node in self.of_type("send") if node.id is not None)


def read_journey(document: Mapping[str, Any]) -> Journey:
    nodes = tuple(
        _node(index, raw) for index, raw in enumerate(_list(document.get("nodes"))) if _is_obj(raw)
    )
    edges = tuple(
        edge
        for index, raw in enumerate(_list(document.get("edges")))
        if (edge := _edge(index, raw)) is not None
    )
    by_id: dict[str, Node] = {}
    for node in nodes:
        if node.id is not None:
            by_id.setdefault(node.id, node)
    return Journey(nodes, edges, obj(document.get("settings")), by_id)


def _node(index: int, raw: Mapping[str, Any]) -> Node:
    node_id = raw.get("id")
    node_type = raw.get("type")
    return Node(
        index=index,
        id=node_id if is_name(node_id) else None,
        type=node_type if isinstance(node_type, str) else None,
        config=obj(raw.get("config")),
        raw=raw,
    )


def _edge(index: int, raw: Any) -> Edge | None:
    if not _is_obj(raw):
        return None
    source, target, port = raw.get("from"), raw.get("to"), raw.get("port", "next")
    if not (is_name(source) and is_name(target) and is_name(port)):
        return None
    return Edge(index, source, target, port, "port" in raw)


def rules_of(node: Node) -> Iterator[tuple[str, Any]]:
    """(pointer, rule) for every rule a node holds: a condition's rule, each switch case's."""
    if node.type == "condition" and "rule" in node.config:
        yield node.at("rule"), node.config["rule"]
    elif node.type == "switch":
        for index, case in enumerate(_list(node.config.get("cases"))):
            if _is_obj(case) and "rule" in case:
                yield node.at("cases", index, "rule"), case["rule"]


def is_name(value: Any) -> TypeGuard[str]:
    """A usable id or reference: a non-empty string, as the schema's `minLength: 1` says."""
    return isinstance(value, str) and value != ""


def obj(value: Any) -> Mapping[str, Any]:
    """`value` when it is an object, else an empty one, so lookups never raise."""
    return value if _is_obj(value) else {}


def _is_obj(value: Any) -> bool:
    return isinstance(value, dict)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
