"""Node handlers, one function per node type (JOURNEY_FORMAT.md §1), dispatched by `handle`."""

from __future__ import annotations

from collections.abc import Callable

from journeys.nodes import flow
from journeys.nodes.base import Transition, Visit
from journeys.nodes.send import send
from journeys.nodes.wait import wait
from journeys.nodes.wait_event import wait_event
from journeys.nodes.webhook import webhook

Handler = Callable[[Visit], Transition]

HANDLERS: dict[str, Handler] = {
    "entry": flow.entry,
    "send": send,
    "wait": wait,
    "wait_event": wait_event,
    "condition": flow.condition,
    "switch": flow.switch,
    "split": flow.split,
    "update_contact": flow.update_contact,
    "webhook": webhook,
    "exit": flow.exit_node,
}


class UnsupportedNode(Exception):
    pass


def handler_for(node_type: str) -> Handler:
    """The handler of a node type; for a type this engine does not know, one that raises
    UnsupportedNode when a visit reaches the node (a version is judged when it is published,
    so only a document from a newer engine can name one)."""
    handler = HANDLERS.get(node_type)
    if handler is not None:
        return handler

    def unsupported(visit: Visit) -> Transition:
        raise UnsupportedNode(f"This engine version cannot run {node_type!r} nodes yet.")

    return unsupported


def handle(visit: Visit) -> Transition:
    return handler_for(visit.node["type"])(visit)
