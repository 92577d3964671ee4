"""Ingestion: the only code that writes events.

A retried call carrying the same Segment `messageId` is stored once: the unique constraint on
(workspace, source_id) decides, inside a savepoint, so two concurrent retries cannot both
insert. Retries are rare, so the insert is tried first and the duplicate looked up only when
the constraint refuses it. That savepoint is the only one: the services otherwise join the
caller's transaction (`savepoint=False`), as a batch of 10,000 calls pays for every
SAVEPOINT/RELEASE pair. Journeys learn of new events through `core.signals.event_recorded`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from core import clock
from core.models import Contact, Event, Workspace
from core.services.contacts import ensure_contact, upsert_contact
from core.signals import event_recorded


@dataclass(frozen=True)
class Recorded:
    event: Event
    duplicate: bool


@transaction.atomic(savepoint=False)
def record_event(
    workspace: Workspace,
    contact: Contact,
    *,
    name: str,
    properties: Mapping[str, Any] | None = None,
    occurred_at: datetime | None = None,
    source_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Recorded:
    now = clock.now()
    event = Event(
        workspace=workspace,
        contact=contact,
        name=name,
        properties=dict(properties or {}),
        occurred_at=occurred_at or now,
        received_at=now,
        source_id=source_id or None,
        extra=dict(extra or {}),
    )
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        if not source_id:
            raise
        return Recorded(Event.objects.get(workspace=workspace, source_id=source_id), True)
    event_recorded.send(sender=Event, workspace=workspace, event=event)
    return Recorded(event, duplicate=False)


@transaction.atomic(savepoint=False)
def track(
    workspace: Workspace,
    *,
    user_id: str,
    contacts: dict[str, Contact] | None = None,
    event: str,
    properties: Mapping[str, Any] | None = None,
    timestamp: datetime | None = None,
    message_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Recorded:
    """A Segment `track`: the contact is created if this user id is new.

    `contacts` is a cache of user id → contact that a batch shares across its items.
    """
    contact = contacts.get(user_id) if contacts is not None else None
    if contact is None:
        contact = ensure_contact(workspace, user_id)
        if contacts is not None:
            contacts[user_id] = contact
    return record_event(
        workspace,
        contact,
        name=event,
        properties=properties,
        occurred_at=timestamp,
        source_id=message_id,
        extra=extra,
    )


def identify(
    workspace: Workspace, *, user_id: str, changes: Mapping[str, Any]
) -> tuple[Contact, bool]:
    """A Segment `identify`: an upsert of the contact `user_id`, where `changes` are contact
    fields already split out of the traits. Returns (contact, created)."""
    return upsert_contact(workspace, {**changes, "external_id": user_id})
