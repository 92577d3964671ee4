"""Which version a new entrant gets: the live one, or the canary for its share of contacts.

The choice hashes (journey, canary version, contact) like a split does, so it is stable while a
canary runs (a contact re-entering gets the same side) and a new canary draws a fresh sample.
Enrollments already in flight never move: they finish on the version they entered.
"""

from __future__ import annotations

from journeys.engine.split import split_point
from journeys.models import Journey, JourneyVersion


def canary_takes(journey: Journey, contact_id: int) -> bool:
    if journey.canary_version_id is None or journey.canary_percent <= 0:
        return False
    point = split_point(journey.pk, f"$canary:{journey.canary_version_id}", contact_id)
    return point < journey.canary_percent / 100


def version_for(journey: Journey, contact_id: int) -> JourneyVersion | None:
    """The version `contact_id` enters now; None when nothing is published."""
    if canary_takes(journey, contact_id):
        return journey.canary_version
    return journey.live_version
