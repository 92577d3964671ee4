"""ISO 8601 durations and `HH:MM` times of day, as journey documents spell them.

Pure Python (no Django) because the validator and the node handlers share it. Durations are
split into a calendar part (years, months, days: added in the contact's local calendar, so
"P1D" across a DST change is still "same time tomorrow") and an exact part (hours, minutes,
seconds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_TIME_OF_DAY = re.compile(r"^(?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d)$")


@dataclass(frozen=True)
class Duration:
    years: int = 0
    months: int = 0
    days: int = 0
    exact: timedelta = timedelta(0)

    def approximate(self) -> timedelta:
        """A timedelta for windows and comparisons (a month counts 30 days, a year 365)."""
        return timedelta(days=self.years * 365 + self.months * 30 + self.days) + self.exact


def parse_duration(text: object) -> Duration | None:
    """Parse `PnYnMnWnDTnHnMnS`; None when the text is not such a duration or is zero."""
    if not isinstance(text, str):
        return None
    match = _DURATION.match(text)
    if match is None:
        return None
    parts = {name: int(value) for name, value in match.groupdict().items() if value}
    try:
        duration = Duration(
            years=parts.get("years", 0),
            months=parts.get("months", 0),
            days=parts.get("days", 0) + 7 * parts.get("weeks", 0),
            exact=timedelta(
                hours=parts.get("hours", 0),
                minutes=parts.get("minutes", 0),
                seconds=parts.get("seconds", 0),
            ),
        )
        if duration.approximate() <= timedelta(0):
            return None
    except OverflowError:  # beyond what a timedelta holds (a million years and more)
        return None
    return duration


def parse_time_of_day(text: object) -> time | None:
    """Parse `HH:MM` (24-hour clock); None when malformed."""
    if not isinstance(text, str):
        return None
    match = _TIME_OF_DAY.match(text)
    if match is None:
        return None
    return time(int(match["hour"]), int(match["minute"]))
