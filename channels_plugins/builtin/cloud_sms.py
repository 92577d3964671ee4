"""What the Alibaba Cloud and Tencent Cloud SMS providers share: config fields, reading a
send node's template, China time for caps that reset at midnight, and receipt reading.

Both clouds send approved templates only, both push unsigned JSON-array receipts (the account's
receipt URL token is what protects them) and both count their quotas in China Standard Time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from channels_plugins.base import (
    Failed,
    OutboundMessage,
    Receipt,
    ReceiptMalformed,
    ReceiptProblem,
    ReceiptRequest,
)
from channels_plugins.schema_fields import schema_field

CHINA = ZoneInfo("Asia/Shanghai")
DEFAULT_TIMEOUT = 10.0


TIMEOUT_FIELD = schema_field(
    "number",
    "Timeout",
    "Seconds to wait for the provider before giving up (the message is retried).",
    exclusiveMinimum=0,
    maximum=120,
    default=DEFAULT_TIMEOUT,
)


def template(message: OutboundMessage) -> tuple[str, dict[str, str]] | Failed:
    """The node's `template_code` and `template_params`, or why the message cannot go: both
    clouds refuse free text, so a node with only a `body` is a configuration fault."""
    code = message.content.get("template_code")
    if not isinstance(code, str) or not code:
        return Failed("config", "this provider sends approved templates only: set template_code")
    raw = message.content.get("template_params") or {}
    if not isinstance(raw, Mapping):
        return Failed("config", "template_params must be an object of strings")
    return code, {str(key): str(value) for key, value in raw.items()}


def seconds_until(now: datetime, local: time, *, days_ahead: int = 0) -> float:
    """Seconds from `now` to the next `local` China time (at least `days_ahead` days later):
    the retry delay for a quota that resets at a China-time boundary."""
    here = now.astimezone(CHINA)
    target = datetime.combine(here.date() + timedelta(days=days_ahead), local, tzinfo=CHINA)
    if target <= here:
        target += timedelta(days=1)
    return (target - here).total_seconds()


def seconds_until_next_month(now: datetime) -> float:
    here = now.astimezone(CHINA)
    first = here.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (first + timedelta(days=32)).replace(day=1)
    return (following - here).total_seconds()


def china_time(value: Any) -> datetime | None:
    """A receipt's "YYYY-MM-DD hh:mm:ss" (China time), or None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    except ValueError:
        return None


ReadReport = Callable[[Mapping[str, Any], str, list[ReceiptProblem]], Receipt | None]


def read_reports(request: ReceiptRequest, read_one: ReadReport) -> list[Receipt]:
    """The receipts of a pushed JSON array of reports, each object read by `read_one(item,
    its JSON pointer, problems)`; raises `ReceiptMalformed` with every located problem."""
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = ReceiptProblem("", "invalid_json", f"The body is not JSON: {exc}")
        raise ReceiptMalformed([problem]) from exc
    if not isinstance(body, list):
        raise ReceiptMalformed(
            [ReceiptProblem("", "not_an_array", "Reports arrive as a JSON array.")]
        )
    receipts: list[Receipt] = []
    problems: list[ReceiptProblem] = []
    for index, item in enumerate(body):
        path = f"/{index}"
        if not isinstance(item, dict):
            problems.append(ReceiptProblem(path, "not_an_object", "A report is an object."))
        elif (receipt := read_one(item, path, problems)) is not None:
            receipts.append(receipt)
    if problems:
        raise ReceiptMalformed(problems)
    return receipts


def texts(item: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    """The report's optional fields among `keys`, as text: a receipt's event properties."""
    return {key: str(item[key]) for key in keys if item.get(key) is not None}


def text(
    item: Mapping[str, Any], key: str, path: str, problems: list[ReceiptProblem]
) -> str | None:
    """A required non-empty string field of one report, else a located problem."""
    value = item.get(key)
    if isinstance(value, str) and value and len(value) <= 200:
        return value
    problems.append(ReceiptProblem(f"{path}/{key}", "required", f"{key} must be a short string."))
    return None
