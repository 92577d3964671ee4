"""Checks on paths through the graph: reachability from the entry, and cycles without a wait.

A cycle through a wait or wait_event pauses each round, so it is allowed (a weekly reminder
loop); any other cycle would spin an enrollment forever inside one engine tick.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from journeys.validation.errors import DocumentError
from journeys.validation.model import WAIT_TYPES, Journey

Successors = Mapping[str, list[str]]


def flow_errors(journey: Journey) -> list[DocumentError]:
    return [*_unreachable(journey), *_cycles_without_wait(journey)]


def _successors(journey: Journey, keep: set[str]) -> dict[str, list[str]]:
    successors: dict[str, list[str]] = {node_id: [] for node_id in keep}
    for edge in journey.edges:
        if edge.source in keep and edge.target in keep:
            successors[edge.source].append(edge.target)
    return successors


def _unreachable(journey: Journey) -> Iterator[DocumentError]:
    starts = [node.id for node in journey.of_type("entry") if node.id is not None]
    if not starts:
        return  # entry.missing already says what is wrong; every node would be unreachable
    successors = _successors(journey, set(journey.by_id))
    reached = set(starts)
    pending = list(starts)
    while pending:
        for target in successors[pending.pop()]:
            if target not in reached:
                reached.add(target)
                pending.append(target)
    for node in journey.by_id.values():
        if node.id not in reached:
            yield DocumentError(
                "node.unreachable",
                f"No path leads from the entry to {node.id!r}.",
                node.id,
                node.path,
            )


def _cycles_without_wait(journey: Journey) -> Iterator[DocumentError]:
    order = [node_id for node_id, node in journey.by_id.items() if node.type not in WAIT_TYPES]
    successors = _successors(journey, set(order))
    for component in strongly_connected(order, successors):
        members = set(component)
        if len(component) == 1 and component[0] not in successors[component[0]]:
            continue
        edge = next(e for e in journey.edges if e.source in members and e.target in members)
        ordered = sorted(component, key=lambda node_id: journey.by_id[node_id].index)
        loop = (
            f"Node {ordered[0]!r} leads back to itself"
            if len(ordered) == 1
            else f"Nodes {', '.join(map(repr, ordered))} form a cycle"
        )
        yield DocumentError(
            "graph.cycle_without_wait",
            f"{loop} with no wait or wait_event; an enrollment would loop without pausing.",
            None,
            edge.path,
        )


def strongly_connected(order: list[str], successors: Successors) -> list[list[str]]:
    """Tarjan's strongly connected components, iterative so long chains cannot overflow."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node_id: str) -> None:
        index[node_id] = low[node_id] = len(index)
        stack.append(node_id)
        on_stack.add(node_id)

    for root in order:
        if root in index:
            continue
        visit(root)
        work = [(root, iter(successors[root]))]
        while work:
            node_id, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    visit(child)
                    work.append((child, iter(successors[child])))
                elif child in on_stack:
                    low[node_id] = min(low[node_id], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node_id])
            if low[node_id] == index[node_id]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node_id:
                        break
                components.append(component)
    return components
