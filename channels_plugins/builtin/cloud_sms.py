"""What the Alibaba Cloud and Tencent Cloud SMS providers share: config fields, reading a
send node's template, China time for caps that reset at midnight, and receipt reading.

Both clouds send approved templates only, both push unsigned JSON-array receipts (the account's
receipt URL token is what protects them) and both count their quotas in China Standard Time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from channels_plugins.base import (
    Failed,
    OutboundMessage,
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


def report_array(request: ReceiptRequest) -> tuple[list[Any], list[ReceiptProblem]]:
    """The pushed JSON array of reports, or the problem that makes the body not one."""
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [], [ReceiptProblem("", "invalid_json", f"The body is not JSON: {exc}")]
    if not isinstance(body, list):
        return [], [ReceiptProblem("", "not_an_array", "Reports arrive as a JSON array.")]
    return body, []


def text(
    item: Mapping[str, Any], key: str, path: str, problems: list[ReceiptProblem]
) -> str | None:
    """A required non-empty string field of one report, else a located problem."""
    value = item.get(key)
    if isinstance(value, str) and value and len(value) <= 200:
        return value
    problems.append(ReceiptProblem(f"{path}/{key}", "required", f"{key} must be a short string."))
    return None
