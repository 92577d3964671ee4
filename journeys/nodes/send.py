"""The send node: wait for the send window and quiet hours, then write the message."""

from __future__ import annotations

from datetime import datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from core.timing import NeverOpen, earliest_send
from journeys.nodes.base import Advance, SendMessage, Sleep, Transition, Visit
from journeys.nodes.outcome import awaiting_outcome, deliver, settle
from journeys.nodes.templates import render_params
from journeys.nodes.times import time_pair


@lru_cache(maxsize=4096)
def _opens(
    now: datetime,
    zone: ZoneInfo,
    window: tuple[time, time] | None,
    quiet: tuple[time, time] | None,
) -> datetime | None:
    """`earliest_send`, computed once per (instant, zone, window, quiet hours) rather than per
    contact: a pass sends every enrollment at the same `now`, and most share a few zones, so
    the local-time arithmetic (a fifth of a send visit) repeats. The result is a UTC instant
    that depends on `now`'s instant only, so equal instants given in other zones share it.
    A window that never opens raises `NeverOpen` each time (exceptions are not cached)."""
    return earliest_send(now, zone, window=window, quiet_hours=quiet)


def send(visit: Visit) -> Transition:
    if awaiting_outcome(visit):
        return settle(visit)
    config = visit.config
    category = config.get("category", "marketing")
    window = time_pair(config.get("send_window"))
    quiet = time_pair(visit.journey.quiet_hours) if category == "marketing" else None
    try:
        opens = _opens(visit.now, visit.zone, window, quiet)
    except NeverOpen as exc:
        return Advance("next", detail={"skipped": str(exc)})
    if opens is not None:
        return Sleep(opens, reason="send window" if window else "quiet hours")
    content, error = render_params(config["params"], visit)
    message = SendMessage(
        channel=config["channel"],
        account=config["account"],
        category=category,
        content=content,
        error=error,
        frequency_cap=visit.journey.frequency_cap if category == "marketing" else None,
    )
    return deliver(visit, message)
