"""Wall-clock arithmetic for waits, send windows, quiet hours and legal sending hours, in the
contact's timezone (the journey engine and dispatch both use it).

Pure functions on aware datetimes. Marketers think in local wall-clock time ("the next
18:00", "three days later at the same time"), so calendar arithmetic happens in the contact's
zone and the result is converted back to UTC. Two DST rules follow from that:

- a local time that does not exist (skipped by spring-forward, e.g. 02:30 in Berlin on the last
  Sunday of March) moves forward by the gap, to the first instant that does exist;
- a local time that exists twice (autumn fall-back) means its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.durations import Duration

if TYPE_CHECKING:
    from core.models import Contact


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def first_zone(*names: str) -> ZoneInfo:
    """The first of `names` that is a known IANA zone, else UTC (a bad name is skipped)."""
    for name in names:
        zone = _zone(name) if name else None
        if zone is not None:
            return zone
    return ZoneInfo("UTC")


def zone_of(contact: Contact) -> ZoneInfo:
    """The contact's zone, else the workspace's, else UTC (a bad name is skipped, not fatal)."""
    return first_zone(contact.timezone, contact.workspace.timezone)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant when the wall clock in `zone` shows `day` `at`, by the rules above.

    `fold=0` gives exactly those rules: the first of a repeated time, and for a skipped time
    the offset from before the change, which lands after the gap by the gap's length.
    """
    return datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def add_duration(start: datetime, duration: Duration, zone: ZoneInfo) -> datetime:
    """`start` plus `duration`: years, months and days on the local calendar, the rest exact.

    So "P1D" is the same wall-clock time tomorrow even across a DST change, while "PT24H" is
    exactly 24 hours.
    """
    moment = start.astimezone(UTC)
    if duration.years or duration.months or duration.days:
        local = start.astimezone(zone)
        year, month = local.year + duration.years, local.month + duration.months
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        day = min(local.day, _days_in_month(year, month))
        shifted = date(year, month, day) + timedelta(days=duration.days)
        moment = local_instant(shifted, local.time().replace(tzinfo=None), zone)
    return moment + duration.exact


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def next_time_of_day(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The next moment (strictly after `now`) the local clock shows `at`."""
    today = now.astimezone(zone).date()
    for offset in range(3):  # today, tomorrow, or (around DST) the day after
        candidate = local_instant(today + timedelta(days=offset), at, zone)
        if candidate > now:
            return candidate
    raise AssertionError("unreachable: a time of day recurs within three days")


def in_window(now: datetime, start: time, end: time, zone: ZoneInfo) -> bool:
    """Whether local `now` lies in [start, end); a window with end <= start crosses midnight."""
    local = now.astimezone(zone).time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end


def window_opening(now: datetime, start: time, end: time, zone: ZoneInfo) -> datetime | None:
    """None when `now` is inside the window; otherwise when it next opens."""
    if in_window(now, start, end, zone):
        return None
    return next_time_of_day(now, start, zone)


def quiet_hours_end(now: datetime, start: time, end: time, zone: ZoneInfo) -> datetime | None:
    """None when `now` is outside quiet hours [start, end); otherwise when they end."""
    if not in_window(now, start, end, zone):
        return None
    return next_time_of_day(now, end, zone)


def earliest_send(
    now: datetime,
    zone: ZoneInfo,
    *,
    window: tuple[time, time] | None = None,
    quiet_hours: tuple[time, time] | None = None,
) -> datetime | None:
    """When a message may go out given a send window and quiet hours; None means now.

    Each rule can push the time later, which can move it into the other rule's closed period
    (a window opening inside quiet hours), so they are applied until neither moves it. A window
    that lies wholly inside quiet hours never opens: that raises `NeverOpen`.
    """
    moment = now
    for _ in range(6):
        moved = moment
        if window is not None:
            moved = window_opening(moved, *window, zone) or moved
        if quiet_hours is not None:
            moved = quiet_hours_end(moved, *quiet_hours, zone) or moved
        if moved == moment:
            return None if moment == now else moment
        moment = moved
    raise NeverOpen("The send window lies entirely within quiet hours.")


class NeverOpen(ValueError):
    """No moment satisfies both the send window and the quiet hours."""
