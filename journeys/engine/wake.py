"""Waking parked enrollments: a `wait_event` when its event arrives, a node awaiting its
outbox item's outcome when dispatch settles it.

Connected to `core.signals.event_recorded`: the wake is written in the event's transaction,
and the walker then takes the `received` port on its next pass. Only enrollments not held by
a walker are woken (a conditional update): one being advanced at this instant is there
because its timeout fell due, and the timeout wins that tie.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db.models import Q

from channels_plugins.models import Message
from core import clock
from core.models import Event, Workspace
from journeys.models import Enrollment, EnrollmentStatus
from journeys.nodes.base import AWAITING
from journeys.nodes.wait_event import RECEIVED
from journeys.tasks import request_pump


def _message_id(event: Event) -> int | None:
    raw = event.properties.get("message_id")
    try:
        return int(raw) if raw is not None and not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        return None


def _matches(awaiting: Mapping[str, Any], enrollment: Enrollment, event: Event) -> bool:
    if awaiting.get("event") != event.name:
        return False
    where: Mapping[str, Any] = awaiting.get("where") or {}
    if any(event.properties.get(key) != value for key, value in where.items()):
        return False
    message_node = awaiting.get("message_node")
    if not message_node:
        return True
    message_id = _message_id(event)
    return (
        message_id is not None
        and Message.objects.filter(
            pk=message_id, enrollment_id=enrollment.pk, node_id=message_node
        ).exists()
    )


def wake_on_event(sender: Any, *, workspace: Workspace, event: Event, **kwargs: Any) -> None:
    now = clock.now()
    unheld = Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    waiting = Enrollment.objects.filter(
        unheld, contact_id=event.contact_id, status=EnrollmentStatus.WAITING
    )
    for enrollment in waiting:
        awaiting = enrollment.context.get(AWAITING)
        if not awaiting or not _matches(awaiting, enrollment, event):
            continue
        received = {
            **enrollment.context.get(RECEIVED, {}),
            awaiting["node"]: {"name": event.name, "properties": event.properties},
        }
        request_pump()
        Enrollment.objects.filter(unheld, pk=enrollment.pk, status=EnrollmentStatus.WAITING).update(
            status=EnrollmentStatus.ACTIVE,
            wake_at=now,
            context={**enrollment.context, RECEIVED: received},
        )


def wake_on_outcome(
    sender: Any, *, messages: Iterable[Message], now: datetime, **kwargs: Any
) -> None:
    """Make due the enrollments parked at the node whose item just settled (one UPDATE).

    A spurious wake is harmless (the node looks at the outcome and parks again), so the
    filter only needs to be cheap and conservative: waiting, unheld, at one of these nodes.
    """
    pairs = {(m.enrollment_id, m.node_id) for m in messages if m.enrollment_id is not None}
    if not pairs:
        return
    unheld = Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    updated = Enrollment.objects.filter(
        unheld,
        pk__in={enrollment_id for enrollment_id, _ in pairs},
        node_id__in={node_id for _, node_id in pairs},
        status=EnrollmentStatus.WAITING,
        context__awaiting__outcome=True,
    ).update(status=EnrollmentStatus.ACTIVE, wake_at=now)
    if updated:
        request_pump()
