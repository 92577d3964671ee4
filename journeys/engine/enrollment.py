"""Putting contacts into a journey, under the journey's re-entry rule.

Enrolling is batched (`enroll_many`): one query reads the batch's previous entries and one
INSERT writes the new enrollments, so an API call, a segment or a schedule enrolling thousands
of contacts costs a few statements, not a few per contact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Max

from core.durations import parse_duration
from core.models import Contact
from journeys.engine.routing import version_for
from journeys.engine.versions import entry_node_id, version_settings
from journeys.models import Enrollment, Journey, JourneyStatus, JourneyVersion


@dataclass(frozen=True)
class Skipped:
    reason: str  # "journey_not_active", "already_enrolled", "reentry_too_soon"


def reentry_refusal(
    settings: Mapping[str, Any], previous: datetime | None, now: datetime
) -> str | None:
    """Why a contact who last entered at `previous` may not enter again now, if they may not."""
    rule = settings.get("reentry", "never")
    if rule == "always" or previous is None:
        return None
    if rule == "never":
        return "already_enrolled"
    wait = parse_duration(settings.get("reentry_after"))
    if wait is None or now < previous + wait.approximate():
        return "reentry_too_soon"
    return None


def _last_entries(journey: Journey, contact_ids: list[int]) -> dict[int, datetime]:
    rows = (
        Enrollment.objects.filter(journey=journey, contact_id__in=contact_ids)
        .values("contact_id")
        .annotate(last=Max("entered_at"))
        .values_list("contact_id", "last")
    )
    return dict(rows)


def _context(now: datetime, event: Mapping[str, Any] | None) -> dict[str, Any]:
    context: dict[str, Any] = {"arrived_at": now.isoformat()}
    if event is not None:
        context["event"] = {
            "name": event.get("name", ""),
            "properties": event.get("properties", {}),
        }
        if event.get("id") is not None:
            context["event"]["id"] = event["id"]  # the timeline links entry to this event
    return context


def enroll_many(
    journey: Journey,
    contacts: Sequence[Contact],
    now: datetime,
    *,
    event: Mapping[str, Any] | None = None,
    version: JourneyVersion | None = None,
) -> list[Enrollment | Skipped]:
    """One outcome per contact, in order: a new enrollment at the entry node due at once, or
    why not. Each contact gets the version routing picks (live or canary) unless `version`
    is given (the caller already routed).
    """
    if journey.status != JourneyStatus.ACTIVE:
        return [Skipped("journey_not_active")] * len(contacts)
    previous = _last_entries(journey, [contact.pk for contact in contacts])
    outcomes: list[Enrollment | Skipped] = []
    for contact in contacts:
        chosen = version or version_for(journey, contact.pk)
        if chosen is None:
            outcomes.append(Skipped("journey_not_active"))
            continue
        refusal = reentry_refusal(version_settings(chosen), previous.get(contact.pk), now)
        if refusal is not None:
            outcomes.append(Skipped(refusal))
            continue
        previous[contact.pk] = now
        outcomes.append(
            Enrollment(
                workspace_id=journey.workspace_id,
                journey=journey,
                version=chosen,
                contact=contact,
                node_id=entry_node_id(chosen),
                wake_at=now,
                entered_at=now,
                context=_context(now, event),
            )
        )
    Enrollment.objects.bulk_create([o for o in outcomes if isinstance(o, Enrollment)])
    return outcomes


def enroll(
    journey: Journey,
    contact: Contact,
    now: datetime,
    *,
    event: Mapping[str, Any] | None = None,
    version: JourneyVersion | None = None,
) -> Enrollment | Skipped:
    """`enroll_many` for one contact."""
    return enroll_many(journey, [contact], now, event=event, version=version)[0]
