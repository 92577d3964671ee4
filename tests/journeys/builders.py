"""Small builders for journey documents in tests."""

from __future__ import annotations

from itertools import pairwise
from typing import Any


class JourneyBuilder:
    """`JourneyBuilder().entry().exit("done").chain("start", "done").build()`."""

    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []
        self.settings: dict[str, Any] = {}

    def node(
        self, node_id: str, node_type: str, config: dict[str, Any] | None = None
    ) -> JourneyBuilder:
        node: dict[str, Any] = {"id": node_id, "type": node_type}
        if config is not None:
            node["config"] = config
        self.nodes.append(node)
        return self

    def entry(
        self, node_id: str = "start", trigger: dict[str, Any] | None = None
    ) -> JourneyBuilder:
        return self.node(node_id, "entry", {"trigger": trigger or {"kind": "api"}})

    def exit(self, node_id: str = "done") -> JourneyBuilder:
        return self.node(node_id, "exit")

    def edge(self, source: str, target: str, port: str | None = None) -> JourneyBuilder:
        edge: dict[str, Any] = {"from": source, "to": target}
        if port is not None:
            edge["port"] = port
        self.edges.append(edge)
        return self

    def chain(self, *node_ids: str) -> JourneyBuilder:
        for source, target in pairwise(node_ids):
            self.edge(source, target)
        return self

    def build(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "settings": dict(self.settings),
            "nodes": [dict(node) for node in self.nodes],
            "edges": [dict(edge) for edge in self.edges],
            "ui": {},
        }


def minimal_journey() -> dict[str, Any]:
    """The smallest valid journey: an API-triggered entry straight to an exit."""
    return JourneyBuilder().entry().exit().chain("start", "done").build()
