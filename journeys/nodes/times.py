"""Reading the document's time values (validated at publish, so malformed ones are bugs)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from functools import lru_cache
from typing import Any

from core.durations import Duration, parse_duration, parse_time_of_day


@lru_cache(maxsize=1024)
def _time_of_day(text: str) -> time | None:
    return parse_time_of_day(text)


def time_of_day(text: Any) -> time:
    """A document's `HH:MM`, parsed once per text: send nodes read their window and the
    journey's quiet hours on every visit (times are immutable, so sharing one is safe)."""
    parsed = _time_of_day(text) if type(text) is str else parse_time_of_day(text)
    if parsed is None:
        raise ValueError(f"Not a time of day: {text!r}")
    return parsed


def time_pair(window: Mapping[str, Any] | None) -> tuple[time, time] | None:
    """`{"start": "18:00", "end": "20:00"}` as two times, or None when absent."""
    if not window:
        return None
    return time_of_day(window["start"]), time_of_day(window["end"])


@lru_cache(maxsize=1024)
def _duration(text: str) -> Duration | None:
    return parse_duration(text)


def duration_of(value: Any) -> Duration | None:
    """`parse_duration`, remembered per text: a wait node reads the same one on every visit."""
    return _duration(value) if isinstance(value, str) else parse_duration(value)
