"""Structural graph checks: ids, the entry, edges and ports.

Ports come from `journeys.catalog.ports_of`, the same table the canvas draws handles from, so a
port the canvas offers is a port the validator accepts.
"""

from __future__ import annotations

from collections.abc import Iterator

from journeys.catalog import node_type, ports_of
from journeys.validation.errors import DocumentError
from journeys.validation.model import Journey


def graph_errors(journey: Journey) -> list[DocumentError]:
    return [
        *_duplicate_ids(journey),
        *_entries(journey),
        *_edges(journey),
        *_unconnected_ports(journey),
    ]


def _duplicate_ids(journey: Journey) -> Iterator[DocumentError]:
    for node in journey.nodes:
        if node.id is not None and journey.by_id[node.id] is not node:
            first = journey.by_id[node.id].path
            yield DocumentError(
                "node.duplicate_id",
                f"Node id {node.id!r} is already used by {first}; ids must be unique.",
                node.id,
                f"{node.path}/id",
            )


def _entries(journey: Journey) -> Iterator[DocumentError]:
    entries = list(journey.of_type("entry"))
    if not entries:
        yield DocumentError(
            "entry.missing", "The journey has no entry node; add exactly one.", None, "/nodes"
        )
    for extra in entries[1:]:
        yield DocumentError(
            "entry.multiple",
            f"A journey has exactly one entry node; {entries[0].path} is the first.",
            extra.id,
            f"{extra.path}/type",
        )


def _edges(journey: Journey) -> Iterator[DocumentError]:
    taken: dict[tuple[str, str], int] = {}
    for edge in journey.edges:
        source = journey.by_id.get(edge.source)
        if source is None:
            yield DocumentError(
                "edge.dangling",
                f"The edge leaves {edge.source!r}, which is not a node of this journey.",
                None,
                f"{edge.path}/from",
            )
        if edge.target not in journey.by_id:
            yield DocumentError(
                "edge.dangling",
                f"The edge enters {edge.target!r}, which is not a node of this journey.",
                edge.source if source is not None else None,
                f"{edge.path}/to",
            )
        if source is None:
            continue
        kind = node_type(source.type)
        if kind is not None:
            required, optional = ports_of(source.raw)
            if edge.port not in required + optional:
                ports = ", ".join(required + optional)
                yield DocumentError(
                    "edge.unknown_port",
                    f"The {kind.name} node {source.id!r} has no port {edge.port!r}"
                    + (f" (its ports: {ports})." if ports else "; nothing may follow it."),
                    source.id,
                    edge.port_path,
                )
                continue
        key = (edge.source, edge.port)
        if key in taken:
            yield DocumentError(
                "edge.duplicate_port",
                f"Port {edge.port!r} of {edge.source!r} already has an edge "
                f"(/edges/{taken[key]}); a port leads to one node.",
                edge.source,
                edge.port_path,
            )
        else:
            taken[key] = edge.index


def _unconnected_ports(journey: Journey) -> Iterator[DocumentError]:
    wired: dict[str, set[str]] = {}
    for edge in journey.edges:
        wired.setdefault(edge.source, set()).add(edge.port)
    for node in journey.by_id.values():
        required, _ = ports_of(node.raw)
        for port in required:
            if port not in wired.get(node.id or "", set()):
                yield DocumentError(
                    "port.unconnected",
                    f"Port {port!r} of {node.id!r} is not connected to a node.",
                    node.id,
                    node.path,
                )
