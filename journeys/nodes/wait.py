"""The wait node: a duration from arrival, an absolute time, or the next time of day."""

from __future__ import annotations

from datetime import datetime

from core.timing import add_duration, next_time_of_day
from journeys.nodes.base import Advance, Sleep, Transition, Visit
from journeys.nodes.times import duration_of, time_of_day


def wake_time(visit: Visit) -> datetime:
    config = visit.config
    if "duration" in config:
        duration = duration_of(config["duration"])
        if duration is None:
            raise ValueError(f"Not a duration: {config['duration']!r}")
        return add_duration(visit.arrived_at, duration, visit.zone)
    if "until" in config:
        until = datetime.fromisoformat(config["until"])
        return until if until.tzinfo else until.replace(tzinfo=visit.zone)
    return next_time_of_day(visit.arrived_at, time_of_day(config["until_time"]), visit.zone)


def wait(visit: Visit) -> Transition:
    wake = wake_time(visit)
    if visit.now >= wake:
        return Advance("next")
    return Sleep(wake, reason="wait")
