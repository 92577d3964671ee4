"""Entry triggers that fire on ingestion: an event enrolls its contact where it matches.

Connected to `core.signals.event_recorded`, so the enrollment is written in the event's own
transaction: an event is never stored without the enrollments it causes, nor the reverse.
Events older than ENTRY_MAX_EVENT_AGE (a late import, a replayed backlog) enroll no one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from core import clock
from core.conf import touchflow_settings
from core.models import Event, Workspace
from journeys.engine.enrollment import enroll
from journeys.engine.versions import entry_trigger
from journeys.models import Journey, JourneyStatus, JourneyVersion
from journeys.tasks import request_pump


def current_versions(workspace: Workspace) -> Iterator[tuple[Journey, JourneyVersion]]:
    """Each active journey of the workspace with its newest version, in one query.

    Definitions are loaded only on a trigger-cache miss (a deferred field), not per event.
    """
    versions = (
        JourneyVersion.objects.filter(
            journey__workspace=workspace, journey__status=JourneyStatus.ACTIVE
        )
        .select_related("journey")
        .order_by("journey_id", "-number")
        .defer("definition")
    )
    seen: set[int] = set()
    for version in versions:
        if version.journey_id not in seen:
            seen.add(version.journey_id)
            yield version.journey, version


def matches(trigger: Mapping[str, Any], event: Event) -> bool:
    if trigger.get("kind") != "event" or trigger.get("event") != event.name:
        return False
    where: Mapping[str, Any] = trigger.get("where") or {}
    return all(event.properties.get(key) == value for key, value in where.items())


def enroll_on_event(sender: Any, *, workspace: Workspace, event: Event, **kwargs: Any) -> None:
    now = clock.now()
    if event.occurred_at < now - touchflow_settings.ENTRY_MAX_EVENT_AGE:
        return
    for journey, version in current_versions(workspace):
        if matches(entry_trigger(version), event):
            request_pump()
            enroll(
                journey,
                event.contact,
                now,
                version=version,
                event={"name": event.name, "properties": event.properties},
            )
