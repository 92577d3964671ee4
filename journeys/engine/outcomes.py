"""Goals and exit events, applied when an event is ingested.

Order, per the contract: a goal event within `goal.within` of entry counts the enrollment as
converted, even one that already finished, and ends a live one with status `converted` —
unless that enrollment is parked in a wait_event for this very event, which then takes its
`received` port instead (the wake does that). Then `exit_on` events end every live enrollment
of the contact in that journey with status `exited`.
"""

from __future__ import annotations

from typing import Any

from core import clock
from core.durations import parse_duration
from core.models import Event, Workspace
from journeys.engine.versions import version_settings
from journeys.models import LIVE_STATUSES, Enrollment, EnrollmentStatus
from journeys.nodes.base import AWAITING


def _awaits(enrollment: Enrollment, event_name: str) -> bool:
    """Parked in a wait_event for this event (the wake may already have marked it due)."""
    awaiting = enrollment.context.get(AWAITING) or {}
    return bool(awaiting.get("event") == event_name)


def _goal_reached(settings: dict[str, Any], enrollment: Enrollment, event: Event) -> bool:
    goal = settings.get("goal") or {}
    if goal.get("event") != event.name or enrollment.converted_at is not None:
        return False
    within = parse_duration(goal.get("within"))
    if within is None:
        return False
    return (
        enrollment.entered_at <= event.occurred_at <= enrollment.entered_at + within.approximate()
    )


def apply_goals_and_exits(
    sender: Any, *, workspace: Workspace, event: Event, **kwargs: Any
) -> None:
    now = clock.now()
    enrollments = (
        Enrollment.objects.filter(contact_id=event.contact_id)
        .select_related("version")
        .defer("version__definition")
    )
    changed: list[Enrollment] = []
    for enrollment in enrollments:
        settings = dict(version_settings(enrollment.version))
        live = enrollment.status in LIVE_STATUSES
        touched = False
        if _goal_reached(settings, enrollment, event):
            enrollment.converted_at = event.occurred_at
            touched = True
            if live and not _awaits(enrollment, event.name):
                enrollment.status = EnrollmentStatus.CONVERTED
                live = False
        if live and event.name in (settings.get("exit_on") or []):
            enrollment.status = EnrollmentStatus.EXITED
            live = False
            touched = True
        if touched:
            if enrollment.status in (EnrollmentStatus.CONVERTED, EnrollmentStatus.EXITED):
                enrollment.finished_at = enrollment.finished_at or now
                enrollment.wake_at = None
            changed.append(enrollment)
    Enrollment.objects.bulk_update(changed, ["converted_at", "status", "finished_at", "wake_at"])
