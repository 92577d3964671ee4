"""ISO 8601 durations and `HH:MM` times of day, as journey documents spell them.

Pure Python (no Django) because the validator and the node handlers share it. Durations are
split into a calendar part (years, months, days: added in the contact's local calendar, so
"P1D" across a DST change is still "same time tomorrow") and an exact part (hours, minutes,
seconds).

Durations longer than MAX_DURATION are refused like malformed ones: nothing a journey or a
segment does needs a wait or a window of more than a century, and without a cap
`P99999999999D` overflows `timedelta` (and the calendar, once added to a date), turning a
typo into a 500 wherever it is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
MAX_DURATION = timedelta(days=36525)  # a hundred years of 365.25 days
_MAX_DIGITS = 12  # more than any value under MAX_DURATION needs; keeps int() cheap and safe
_SECONDS_PER = {
    "years": 365 * 86400,
    "months": 30 * 86400,
    "weeks": 7 * 86400,
    "days": 86400,
    "hours": 3600,
    "minutes": 60,
    "seconds": 1,
}
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
    """Parse `PnYnMnWnDTnHnMnS`; None when the text is not such a duration, is zero, or is
    longer than MAX_DURATION (measured as `approximate()` does)."""
    if not isinstance(text, str):
        return None
    match = _DURATION.match(text)
    if match is None:
        return None
    found = {name: value for name, value in match.groupdict().items() if value}
    if any(len(value.lstrip("0")) > _MAX_DIGITS for value in found.values()):
        return None
    parts = {name: int(value.lstrip("0") or "0") for name, value in found.items()}
    # Checked in whole seconds before any timedelta exists, so nothing can overflow.
    if sum(_SECONDS_PER[name] * value for name, value in parts.items()) > (
        MAX_DURATION.total_seconds()
    ):
        return None
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
    return duration


def quoted(value: object, limit: int = 40) -> str:
    """A bad value as error messages show it: repr, cut short, so that a duration of
    thousands of digits does not flood the response it is reported in."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_time_of_day(text: object) -> time | None:
    """Parse `HH:MM` (24-hour clock); None when malformed."""
    if not isinstance(text, str):
        return None
    match = _TIME_OF_DAY.match(text)
    if match is None:
        return None
    return time(int(match["hour"]), int(match["minute"]))
