"""Entry triggers that fire on ingestion: an event enrolls its contact where it matches, and
an event or a contact change may move the contact into a segment a journey enters on.

Connected to `core.signals.event_recorded`, so the enrollment is written in the event's own
transaction: an event is never stored without the enrollments it causes, nor the reverse.
Events older than ENTRY_MAX_EVENT_AGE (a late import, a replayed backlog) enroll no one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import clock
from core.conf import touchflow_settings
from core.models import Contact, Event, Workspace
from journeys.engine.enrollment import enroll
from journeys.engine.routing import version_for
from journeys.engine.segment_entry import reevaluate_contact
from journeys.engine.versions import entry_trigger
from journeys.models import Journey, JourneyStatus
from journeys.tasks import request_pump


def live_journeys(workspace: Workspace) -> list[Journey]:
    """Active journeys with their live and canary versions, in one query.

    Definitions are deferred: triggers come from a per-version cache, loaded only on a miss.
    """
    return list(
        Journey.objects.filter(workspace=workspace, status=JourneyStatus.ACTIVE)
        .select_related("live_version", "canary_version")
        .defer("definition", "live_version__definition", "canary_version__definition")
    )


def matches(trigger: Mapping[str, Any], event: Event) -> bool:
    if trigger.get("kind") != "event" or trigger.get("event") != event.name:
        return False
    where: Mapping[str, Any] = trigger.get("where") or {}
    return all(event.properties.get(key) == value for key, value in where.items())


def enroll_on_event(sender: Any, *, workspace: Workspace, event: Event, **kwargs: Any) -> None:
    now = clock.now()
    if event.occurred_at < now - touchflow_settings.ENTRY_MAX_EVENT_AGE:
        return
    journeys = live_journeys(workspace)
    for journey in journeys:
        version = version_for(journey, event.contact_id)
        if version is not None and matches(entry_trigger(version), event):
            request_pump()
            enroll(
                journey,
                event.contact,
                now,
                version=version,
                event={"id": event.pk, "name": event.name, "properties": event.properties},
            )
    entered = reevaluate_contact(
        workspace, event.contact, now, event_name=event.name, journeys=journeys
    )
    if entered:
        request_pump()


def enroll_on_change(sender: Any, *, workspace: Workspace, contact: Contact, **kwargs: Any) -> None:
    """A contact's fields, attributes or tags changed: it may have entered a segment."""
    if reevaluate_contact(workspace, contact, clock.now()):
        request_pump()
