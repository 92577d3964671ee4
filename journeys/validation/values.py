"""Durations, times of day, datetimes and cron expressions wherever a document holds them.

The schema only says "a string" for these so that each malformed value gets its own code
(`duration.invalid`, `time.invalid`, `cron.invalid`) and a message showing the expected form.
Non-strings are left to the schema stage, which already reported them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from croniter import croniter

from core.durations import parse_duration, parse_time_of_day, quoted
from core.jsonpointer import pointer
from journeys.validation.errors import DocumentError
from journeys.validation.model import Journey, Node, obj

_DATETIME_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def value_errors(journey: Journey) -> list[DocumentError]:
    errors = list(_settings(journey))
    for node in journey.nodes:
        errors.extend(_node_values(node))
    return errors


def _settings(journey: Journey) -> Iterator[DocumentError]:
    settings = journey.settings
    yield from _duration(settings.get("reentry_after"), "/settings/reentry_after", None)
    yield from _duration(obj(settings.get("goal")).get("within"), "/settings/goal/within", None)
    cap = obj(settings.get("frequency_cap"))
    yield from _duration(cap.get("per"), "/settings/frequency_cap/per", None)
    quiet = obj(settings.get("quiet_hours"))
    for end in ("start", "end"):
        yield from _time(quiet.get(end), pointer("/settings/quiet_hours", end), None)


def _node_values(node: Node) -> Iterator[DocumentError]:
    config = node.config
    if node.type == "entry":
        trigger = obj(config.get("trigger"))
        if trigger.get("kind") == "schedule":
            yield from _cron(trigger.get("cron"), node.at("trigger", "cron"), node.id)
    elif node.type == "send":
        window = obj(config.get("send_window"))
        for end in ("start", "end"):
            yield from _time(window.get(end), node.at("send_window", end), node.id)
    elif node.type == "wait":
        yield from _duration(config.get("duration"), node.at("duration"), node.id)
        yield from _datetime(config.get("until"), node.at("until"), node.id)
        yield from _time(config.get("until_time"), node.at("until_time"), node.id)
    elif node.type == "wait_event":
        yield from _duration(config.get("timeout"), node.at("timeout"), node.id)


def _duration(value: Any, path: str, node_id: str | None) -> Iterator[DocumentError]:
    if isinstance(value, str) and parse_duration(value) is None:
        yield DocumentError(
            "duration.invalid",
            f"{quoted(value)} is not an ISO 8601 duration longer than zero and at most 100 years,"
            " such as PT2H or P7D.",
            node_id,
            path,
        )


def _time(value: Any, path: str, node_id: str | None) -> Iterator[DocumentError]:
    if isinstance(value, str) and parse_time_of_day(value) is None:
        yield DocumentError(
            "time.invalid",
            f"{value!r} is not a time of day as HH:MM, such as 08:00.",
            node_id,
            path,
        )


def _datetime(value: Any, path: str, node_id: str | None) -> Iterator[DocumentError]:
    if isinstance(value, str) and not _is_datetime(value):
        yield DocumentError(
            "time.invalid",
            f"{value!r} is not an ISO 8601 date and time, such as 2025-11-28T09:00:00+08:00.",
            node_id,
            path,
        )


def _is_datetime(text: str) -> bool:
    if not _DATETIME_PREFIX.match(text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _cron(value: Any, path: str, node_id: str | None) -> Iterator[DocumentError]:
    if isinstance(value, str) and not (len(value.split()) == 5 and croniter.is_valid(value)):
        yield DocumentError(
            "cron.invalid",
            f"{value!r} is not a five-field cron expression (minute hour day month weekday), "
            "such as '0 9 * * *'.",
            node_id,
            path,
        )
