"""Waits, send windows and quiet hours in local wall-clock time, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.durations import Duration, parse_duration
from core.timing import (
    NeverOpen,
    add_duration,
    earliest_send,
    in_window,
    next_time_of_day,
    quiet_hours_end,
    window_opening,
)

BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def duration(text: str) -> Duration:
    parsed = parse_duration(text)
    assert parsed is not None
    return parsed


def test_a_day_across_spring_forward_keeps_the_wall_clock() -> None:
    start = utc(2026, 3, 28, 8, 0)  # 09:00 CET
    one_day = add_duration(start, duration("P1D"), BERLIN)
    assert one_day.astimezone(BERLIN).hour == 9
    assert one_day - start == timedelta(hours=23)
    assert add_duration(start, duration("PT24H"), BERLIN) - start == timedelta(hours=24)


def test_a_day_across_fall_back_keeps_the_wall_clock() -> None:
    start = utc(2026, 10, 24, 7, 0)  # 09:00 CEST
    one_day = add_duration(start, duration("P1D"), BERLIN)
    assert one_day.astimezone(BERLIN).hour == 9
    assert one_day - start == timedelta(hours=25)


def test_months_clamp_to_the_end_of_the_month() -> None:
    start = utc(2026, 1, 31, 1, 0)  # 09:00 in Shanghai
    assert add_duration(start, duration("P1M"), SHANGHAI).astimezone(
        SHANGHAI
    ).date().isoformat() == ("2026-02-28")
    assert add_duration(start, duration("P1DT2H"), SHANGHAI) == utc(2026, 2, 1, 3, 0)


def test_next_time_of_day_in_the_skipped_hour_moves_past_the_gap() -> None:
    now = utc(2026, 3, 28, 12, 0)  # Saturday; clocks spring forward on Sunday at 02:00
    wake = next_time_of_day(now, time(2, 30), BERLIN)
    assert wake == utc(2026, 3, 29, 1, 30)  # 03:30 CEST: the first instant that exists
    assert wake.astimezone(BERLIN).strftime("%H:%M") == "03:30"


def test_next_time_of_day_in_the_repeated_hour_takes_the_first() -> None:
    now = utc(2026, 10, 24, 12, 0)  # Saturday; clocks fall back on Sunday at 03:00
    assert next_time_of_day(now, time(2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)  # CEST


def test_next_time_of_day_is_strictly_later() -> None:
    now = utc(2026, 6, 1, 10, 0)  # 18:00 in Shanghai
    assert next_time_of_day(now, time(18, 0), SHANGHAI) == utc(2026, 6, 2, 10, 0)
    assert next_time_of_day(now, time(18, 1), SHANGHAI) == utc(2026, 6, 1, 10, 1)


@pytest.mark.parametrize(
    ("local_hour", "inside"), [(17, False), (18, True), (19, True), (20, False), (23, False)]
)
def test_evening_window(local_hour: int, inside: bool) -> None:
    now = datetime(2026, 6, 1, local_hour, 0, tzinfo=SHANGHAI).astimezone(UTC)
    assert in_window(now, time(18), time(20), SHANGHAI) is inside


def test_window_opening_holds_until_the_next_evening() -> None:
    morning = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)
    opens = window_opening(morning, time(18), time(20), SHANGHAI)
    assert opens == datetime(2026, 6, 1, 18, 0, tzinfo=SHANGHAI).astimezone(UTC)
    late = datetime(2026, 6, 1, 21, 0, tzinfo=SHANGHAI).astimezone(UTC)
    assert window_opening(late, time(18), time(20), SHANGHAI) == datetime(
        2026, 6, 2, 18, 0, tzinfo=SHANGHAI
    ).astimezone(UTC)
    evening = datetime(2026, 6, 1, 19, 0, tzinfo=SHANGHAI).astimezone(UTC)
    assert window_opening(evening, time(18), time(20), SHANGHAI) is None


def test_quiet_hours_cross_midnight_in_two_timezones() -> None:
    quiet = (time(22), time(8))
    night_in_shanghai = utc(2026, 6, 1, 15, 0)  # 23:00 in Shanghai, 11:00 in New York
    assert quiet_hours_end(night_in_shanghai, *quiet, SHANGHAI) == utc(2026, 6, 2, 0, 0)
    assert quiet_hours_end(night_in_shanghai, *quiet, NEW_YORK) is None
    early = datetime(2026, 6, 2, 7, 59, tzinfo=SHANGHAI).astimezone(UTC)
    assert quiet_hours_end(early, *quiet, SHANGHAI) == utc(2026, 6, 2, 0, 0)


def test_earliest_send_combines_window_and_quiet_hours() -> None:
    noon = datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI).astimezone(UTC)
    # A 21:00-23:00 window with 22:00-08:00 quiet hours: only 21:00-22:00 is allowed.
    window, quiet = (time(21), time(23)), (time(22), time(8))
    assert earliest_send(noon, SHANGHAI, window=window, quiet_hours=quiet) == datetime(
        2026, 6, 1, 21, 0, tzinfo=SHANGHAI
    ).astimezone(UTC)
    at_2230 = datetime(2026, 6, 1, 22, 30, tzinfo=SHANGHAI).astimezone(UTC)
    assert earliest_send(at_2230, SHANGHAI, window=window, quiet_hours=quiet) == datetime(
        2026, 6, 2, 21, 0, tzinfo=SHANGHAI
    ).astimezone(UTC)
    at_2130 = datetime(2026, 6, 1, 21, 30, tzinfo=SHANGHAI).astimezone(UTC)
    assert earliest_send(at_2130, SHANGHAI, window=window, quiet_hours=quiet) is None
    assert earliest_send(noon, SHANGHAI) is None


def test_a_window_inside_quiet_hours_never_opens() -> None:
    noon = datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI).astimezone(UTC)
    with pytest.raises(NeverOpen):
        earliest_send(noon, SHANGHAI, window=(time(23), time(1)), quiet_hours=(time(22), time(8)))
