"""The wait_event node: until a matching event arrives, or the timeout.

When `where.node` names a send node, the event must concern the message that node sent in
this enrollment (`properties.message_id`), and the timeout counts from when that message was
sent, or from arrival while it has not been sent. The handler re-evaluates on every wake, so a
message sent after the node was entered moves the timeout later.
"""

from __future__ import annotations

from datetime import datetime

from core.durations import parse_duration
from core.timing import add_duration
from journeys.nodes.base import Advance, AwaitEvent, Transition, Visit

RECEIVED = "received_events"  # enrollment data: node id → the event that woke it


def wait_event(visit: Visit) -> Transition:
    node_id = visit.node["id"]
    received = visit.data.get(RECEIVED, {})
    if node_id in received:
        remaining = {key: value for key, value in received.items() if key != node_id}
        return Advance(
            "received",
            data={RECEIVED: remaining, "event": received[node_id]},
            detail={"event": received[node_id].get("name")},
        )
    config = visit.config
    where = dict(config.get("where") or {})
    message_node = where.pop("node", None)
    timeout = parse_duration(config["timeout"])
    if timeout is None:
        raise ValueError(f"Not a duration: {config['timeout']!r}")
    start: datetime = visit.arrived_at
    message = visit.messages.get(message_node) if message_node else None
    if message is not None and message.sent_at is not None:
        start = message.sent_at
    timeout_at = add_duration(start, timeout, visit.zone)
    if visit.now >= timeout_at:
        return Advance("timeout")
    return AwaitEvent(config["event"], where, message_node, timeout_at)
