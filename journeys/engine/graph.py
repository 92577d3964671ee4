"""A published document compiled for walking: nodes by id and edges by (node, port)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.rules.evaluation import EventRequirement
from journeys.nodes import Handler, handler_for
from journeys.nodes.flow import compiled_rule
from journeys.nodes.outcome import FAILED_PORT


@dataclass(frozen=True)
class Graph:
    nodes: Mapping[str, Mapping[str, Any]]
    edges: Mapping[tuple[str, str], str]
    entry_id: str
    requirements: frozenset[EventRequirement]  # event counts its rules need, for batch loading
    settings: Mapping[str, Any]
    wired: Mapping[str, frozenset[str]]  # node id → its ports that have an edge
    # Whether any node reads the messages its enrollment sent (`Visit.messages`): the walker
    # loads them only for such versions, a query as large as the batch's outbox otherwise.
    reads_messages: bool = True
    # Each node's handler, looked up once per version rather than by type on every visit.
    handlers: Mapping[str, Handler] = field(default_factory=dict)

    def target(self, node_id: str, port: str) -> str | None:
        return self.edges.get((node_id, port))


def _rules(node: Mapping[str, Any]) -> list[Any]:
    config = node.get("config") or {}
    if node["type"] == "condition":
        return [config["rule"]]
    if node["type"] == "switch":
        return [case["rule"] for case in config["cases"]]
    return []


def _reads_messages(node: Mapping[str, Any], wired: frozenset[str]) -> bool:
    """Whether visits to `node` read the messages sent in their enrollment: a `wait_event` on
    a send node's message, a `send` or `webhook` awaiting its outcome (a wired `failed`
    port), or a rule with a `message` leaf of this journey (no `journey` key)."""
    config = node.get("config") or {}
    if node["type"] == "wait_event":
        return bool((config.get("where") or {}).get("node"))
    if node["type"] in ("send", "webhook"):
        return FAILED_PORT in wired
    return any(_has_own_message_leaf(rule) for rule in _rules(node))


def _has_own_message_leaf(rule: Any) -> bool:
    if isinstance(rule, Mapping):
        message = rule.get("message")
        if isinstance(message, Mapping) and message.get("journey") is None:
            return True
        return any(_has_own_message_leaf(value) for value in rule.values())
    if isinstance(rule, list):
        return any(_has_own_message_leaf(item) for item in rule)
    return False


def compile_graph(document: Mapping[str, Any]) -> Graph:
    nodes = {node["id"]: node for node in document["nodes"]}
    edges = {(e["from"], e.get("port", "next")): e["to"] for e in document["edges"]}
    entry_id = next(node_id for node_id, node in nodes.items() if node["type"] == "entry")
    requirements: set[EventRequirement] = set()
    for node in nodes.values():
        for rule in _rules(node):
            requirements |= compiled_rule(rule).requirements
    wired: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    for node_id, port in edges:
        wired.setdefault(node_id, set()).add(port)
    wired_ports = {node_id: frozenset(ports) for node_id, ports in wired.items()}
    return Graph(
        nodes,
        edges,
        entry_id,
        frozenset(requirements),
        document.get("settings") or {},
        wired_ports,
        reads_messages=any(
            _reads_messages(node, wired_ports.get(node_id, frozenset()))
            for node_id, node in nodes.items()
        ),
        handlers={node_id: handler_for(node["type"]) for node_id, node in nodes.items()},
    )


_cache: dict[tuple[int, str], Graph] = {}


def graph_for(version_id: int, checksum: str, document: Mapping[str, Any]) -> Graph:
    """Versions are immutable, so a compiled graph is kept per (version, checksum)."""
    key = (version_id, checksum)
    graph = _cache.get(key)
    if graph is None:
        if len(_cache) > 512:
            _cache.clear()
        graph = _cache[key] = compile_graph(document)
    return graph


def cached_graph(version_id: int, checksum: str) -> Graph | None:
    return _cache.get((version_id, checksum))
