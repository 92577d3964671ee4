"""The schedule entry trigger: at each cron occurrence, enroll the segment's members.

Occurrences are computed in the workspace's timezone (`0 9 * * *` is 09:00 there, across DST
changes) and kept on the journey as `next_run_at`, an indexed column the pump reads, so a
journey costs nothing between occurrences. Occurrences missed while the system was down or the
journey paused are not replayed one by one: the next pass runs once and schedules the next
occurrence after now, because a burst of stale "daily" sends helps nobody.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from django.db import transaction

from core.models import Segment
from core.services.segments import compile_segment, contact_batches, load_event_counts, snapshot
from journeys.engine.enrollment import Skipped, enroll_many
from journeys.engine.versions import entry_trigger
from journeys.models import Journey, JourneyStatus

SCHEDULED = "schedule.fired"  # what the enrollment records as its trigger


def next_occurrence(cron: str, timezone: str, after: datetime) -> datetime:
    """The first occurrence strictly after `after`, in UTC."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    following: datetime = croniter(cron, after.astimezone(zone)).get_next(datetime)
    return following.astimezone(UTC)


def plan_next_run(journey: Journey, now: datetime) -> None:
    """Set (or clear) `next_run_at` from the live version's trigger; call on any change of
    the live version or the journey's status."""
    trigger = entry_trigger(journey.live_version) if journey.live_version else {}
    next_run = None
    if trigger.get("kind") == "schedule" and journey.status == JourneyStatus.ACTIVE:
        next_run = next_occurrence(trigger["cron"], journey.workspace.timezone, now)
    Journey.objects.filter(pk=journey.pk).update(next_run_at=next_run)
    journey.next_run_at = next_run


def run_schedules(now: datetime) -> int:
    """Fire every schedule due at `now`; returns how many contacts were enrolled."""
    enrolled = 0
    due = Journey.objects.filter(
        status=JourneyStatus.ACTIVE, next_run_at__lte=now, live_version__isnull=False
    ).select_related("workspace", "live_version", "canary_version")
    for journey in due:
        with transaction.atomic():
            # Claim the occurrence first: a second pump that reads the same row updates nothing.
            claimed = Journey.objects.filter(pk=journey.pk, next_run_at=journey.next_run_at).update(
                next_run_at=None
            )
            if not claimed:
                continue
            enrolled += _fire(journey, now)
            plan_next_run(journey, now)
    return enrolled


def _fire(journey: Journey, now: datetime) -> int:
    assert journey.live_version is not None
    trigger = entry_trigger(journey.live_version)
    segment = Segment.objects.filter(workspace=journey.workspace, key=trigger["segment"]).first()
    if segment is None:  # deleted since publishing: nobody to enroll
        return 0
    compiled = compile_segment(segment)
    fired = {"name": SCHEDULED, "properties": {"cron": trigger["cron"], "segment": segment.key}}
    enrolled = 0
    for batch in contact_batches(journey.workspace_id):
        facts = load_event_counts([c.pk for c in batch], compiled.requirements, now)
        members = [c for c in batch if compiled(snapshot(c), facts)]
        outcomes = enroll_many(journey, members, now, event=fired)
        enrolled += sum(not isinstance(outcome, Skipped) for outcome in outcomes)
    return enrolled
