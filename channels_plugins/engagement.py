"""What happened to a message after it left: one path for every source that reports it.

A provider's receipt, a tracked click or open, a one-click unsubscribe and an app's own `track`
of `message.opened` all become a contact event named `message.<what>` carrying the message's
id, journey and node (so goals, exits, segments and `wait_event` see it like any event), and
move the message's status forward. Statuses only move forward: a late "delivered" never undoes
"opened", and nothing moves a bounced or failed message back to a success.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from channels_plugins.models import Message, MessageStatus
from core.models import Event, Workspace
from core.services.events import Recorded, record_event

# The event each status change is reported as, and the status each event moves a message to.
EVENT_STATUS: dict[str, str] = {
    "message.delivered": MessageStatus.DELIVERED,
    "message.opened": MessageStatus.OPENED,
    "message.clicked": MessageStatus.CLICKED,
    "message.bounced": MessageStatus.BOUNCED,
    "message.failed": MessageStatus.FAILED,
}
# Events about a message that do not change its status.
EVENTS_WITHOUT_STATUS = frozenset({"message.unsubscribed", "message.complained"})
MESSAGE_EVENTS = frozenset(EVENT_STATUS) | EVENTS_WITHOUT_STATUS

# Success only climbs sent → delivered → opened → clicked. A bounce or a failure reported after
# the provider accepted the message replaces sent or delivered, never an engagement the contact
# already showed.
_MOVES_FROM: dict[str, list[str]] = {
    MessageStatus.DELIVERED: [MessageStatus.SENT],
    MessageStatus.OPENED: [MessageStatus.SENT, MessageStatus.DELIVERED],
    MessageStatus.CLICKED: [MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.OPENED],
    MessageStatus.BOUNCED: [MessageStatus.SENT, MessageStatus.DELIVERED],
    MessageStatus.FAILED: [MessageStatus.SENT, MessageStatus.DELIVERED],
}


def statuses_before(status: str) -> list[str]:
    """The statuses a message may hold for `status` to replace it."""
    return [str(s) for s in _MOVES_FROM.get(status, [])]


def advance_status(message_id: int, status: str, **filters: Any) -> bool:
    """Move one message to `status` if that is forward; True when it moved."""
    earlier = statuses_before(status)
    if not earlier:
        return False
    return bool(
        Message.objects.filter(pk=message_id, status__in=earlier, **filters).update(status=status)
    )


def record_message_event(
    message: Message,
    name: str,
    *,
    occurred_at: datetime | None = None,
    source_id: str | None = None,
    properties: Mapping[str, Any] | None = None,
) -> Recorded:
    """Report `name` (one of MESSAGE_EVENTS) about `message` as the contact's event.

    `source_id` makes a repeated report (a retried receipt, a second click on the same link
    counted once per link) idempotent, exactly as a Segment messageId does. The status moves
    forward through the `event_recorded` receiver below, so an app's `track` and our own
    receipts take one path.
    """
    if name not in MESSAGE_EVENTS:
        raise ValueError(f"{name!r} is not a message event")
    return record_event(
        message.workspace,
        message.contact,
        name=name,
        properties={
            **(properties or {}),
            "message_id": message.pk,
            "journey": message.journey_id,
            "node": message.node_id,
            "channel": message.channel,
        },
        occurred_at=occurred_at,
        source_id=source_id,
    )


def record_engagement(sender: Any, *, workspace: Workspace, event: Event, **kwargs: Any) -> None:
    """Receiver of `event_recorded`: a message event moves its message's status forward."""
    status = EVENT_STATUS.get(event.name)
    raw = event.properties.get("message_id")
    if status is None or raw is None or isinstance(raw, bool):
        return
    try:
        message_id = int(raw)
    except (TypeError, ValueError):
        return
    advance_status(message_id, status, workspace=workspace, contact_id=event.contact_id)
