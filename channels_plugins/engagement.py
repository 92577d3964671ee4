"""Engagement an app reports itself: `track` of message.opened / message.clicked with
`properties.message_id` moves that message's status forward (never back)."""

from __future__ import annotations

from typing import Any

from channels_plugins.models import Message, MessageStatus
from core.models import Event, Workspace

ENGAGEMENT = {"message.opened": MessageStatus.OPENED, "message.clicked": MessageStatus.CLICKED}
# Statuses only move forward: a late "opened" never undoes "clicked".
LADDER = [MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.OPENED, MessageStatus.CLICKED]


def record_engagement(sender: Any, *, workspace: Workspace, event: Event, **kwargs: Any) -> None:
    status = ENGAGEMENT.get(event.name)
    raw = event.properties.get("message_id")
    if status is None or raw is None or isinstance(raw, bool):
        return
    try:
        message_id = int(raw)
    except (TypeError, ValueError):
        return
    earlier = [str(s) for s in LADDER[: LADDER.index(status)]]
    Message.objects.filter(
        pk=message_id, workspace=workspace, contact_id=event.contact_id, status__in=earlier
    ).update(status=status)
