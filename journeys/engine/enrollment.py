"""Putting a contact into a journey, under the journey's re-entry rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.durations import parse_duration
from core.models import Contact
from journeys.engine.versions import entry_node_id, version_settings
from journeys.models import Enrollment, Journey, JourneyStatus, JourneyVersion


@dataclass(frozen=True)
class Skipped:
    reason: str  # "journey_not_active", "already_enrolled", "reentry_too_soon"


def current_version(journey: Journey) -> JourneyVersion | None:
    return journey.versions.order_by("-number").first()


def reentry_refusal(
    settings: Mapping[str, Any], journey: Journey, contact: Contact, now: datetime
) -> str | None:
    rule = settings.get("reentry", "never")
    if rule == "always":
        return None
    previous = (
        Enrollment.objects.filter(journey=journey, contact=contact)
        .order_by("-entered_at")
        .values_list("entered_at", flat=True)
        .first()
    )
    if previous is None:
        return None
    if rule == "never":
        return "already_enrolled"
    wait = parse_duration(settings.get("reentry_after"))
    if wait is None or now < previous + wait.approximate():
        return "reentry_too_soon"
    return None


def enroll(
    journey: Journey,
    contact: Contact,
    now: datetime,
    *,
    event: Mapping[str, Any] | None = None,
    version: JourneyVersion | None = None,
) -> Enrollment | Skipped:
    """Create an enrollment at the entry node, due at once; or say why not.

    `version` is the journey's current version when the caller already has it.
    """
    if journey.status != JourneyStatus.ACTIVE:
        return Skipped("journey_not_active")
    version = version or current_version(journey)
    if version is None:
        return Skipped("journey_not_active")
    # Cached per version: a caller's version may have its definition deferred, and loading
    # and parsing the whole document for every enrollment dominated event-triggered entry.
    refusal = reentry_refusal(version_settings(version), journey, contact, now)
    if refusal is not None:
        return Skipped(refusal)
    entry_id = entry_node_id(version)
    context: dict[str, Any] = {"arrived_at": now.isoformat()}
    if event is not None:
        context["event"] = {
            "name": event.get("name", ""),
            "properties": event.get("properties", {}),
        }
    return Enrollment.objects.create(
        workspace_id=journey.workspace_id,
        journey=journey,
        version=version,
        contact=contact,
        node_id=entry_id,
        wake_at=now,
        entered_at=now,
        context=context,
    )
