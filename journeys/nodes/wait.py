"""The wait node: a duration from arrival, an absolute time, or the next time of day."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from core.durations import Duration
from core.timing import add_duration, next_time_of_day
from journeys.nodes.base import Sleep, Transition, Visit
from journeys.nodes.flow import NEXT
from journeys.nodes.times import duration_of, time_of_day


@lru_cache(maxsize=4096)
def _after(arrived_at: datetime, duration: Duration, zone: ZoneInfo) -> datetime:
    """`add_duration`, computed once per (arrival, duration, zone) rather than per contact.

    A pass moves every enrollment that reaches a wait node at the same instant, so they share
    one wake time: the calendar arithmetic was a tenth of a step, and the walker's write-back
    adapts a datetime once per distinct object. The result depends on the arrival's instant
    only (aware datetimes that are equal are the same instant), so the cache cannot mix up
    arrivals given in different zones.
    """
    return add_duration(arrived_at, duration, zone)


def wake_time(visit: Visit) -> datetime:
    config = visit.config
    if "duration" in config:
        duration = duration_of(config["duration"])
        if duration is None:
            raise ValueError(f"Not a duration: {config['duration']!r}")
        return _after(visit.arrived_at, duration, visit.zone)
    if "until" in config:
        until = datetime.fromisoformat(config["until"])
        return until if until.tzinfo else until.replace(tzinfo=visit.zone)
    return next_time_of_day(visit.arrived_at, time_of_day(config["until_time"]), visit.zone)


def wait(visit: Visit) -> Transition:
    wake = wake_time(visit)
    if visit.now >= wake:
        return NEXT
    return Sleep(wake, reason="wait")
