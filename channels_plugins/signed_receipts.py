"""Touchflow's own signed receipt format, spoken by the `sandbox` and `smtp` providers.

A provider with its own scheme (SNS certificates, SendGrid's ECDSA, Huawei's callback header)
verifies in its own code; this module is for senders we define ourselves: the sandbox's test
receipts and a bounce processor reporting to the `smtp` provider (docs/receipts.md).

Signature: `X-Touchflow-Timestamp: <unix seconds>` and
`X-Touchflow-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. Several
`v1=` values may be given, comma separated, so a sender can sign with an old and a new secret
while it is rotated. A timestamp further than TOLERANCE from our clock is refused: a captured
request cannot be replayed later, and within the window a replay only repeats receipt ids,
which are recorded once.

The secret is a writeOnly field of the account's config, not something derived from the URL
token: the URL travels through provider dashboards, proxies and access logs, so anyone who saw
it could otherwise forge receipts; with a separate secret a leaked URL alone is not enough, and
each can be rotated without the other.

Bodies are JSON objects holding one list; `ItemReader` reads its items and collects located
problems (JSON pointers), so a bad body is answered with all of them at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from channels_plugins.base import (
    RECEIPT_EVENTS,
    ReceiptMalformed,
    ReceiptProblem,
    ReceiptRejected,
    ReceiptRequest,
)
from core.api.parsers import find_unstorable_text, too_deep

TIMESTAMP_HEADER = "X-Touchflow-Timestamp"
SIGNATURE_HEADER = "X-Touchflow-Signature"
TOLERANCE = timedelta(minutes=5)
MAX_ITEMS = 1_000  # receipts in one request
MAX_ID_LENGTH = 150  # the event's source_id adds the account's prefix; it holds 200
SECRET_FIELD = "receipt_secret"  # noqa: S105 - the config field's name, not a secret
SECRET_SCHEMA: dict[str, Any] = {
    "type": "string",
    "title": "Receipt signing secret",
    "description": "Shared with whoever posts receipts to this account's receipt URL; they "
    "sign each request with it (HMAC-SHA256, see docs/receipts.md). Stored, never shown.",
    "minLength": 16,
    "writeOnly": True,
}


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, at: datetime) -> dict[str, str]:
    """The headers a sender adds; tests and bounce processors written in Python use it."""
    timestamp = int(at.timestamp())
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        "Content-Type": "application/json",
    }


def verify(config: Mapping[str, Any], request: ReceiptRequest) -> None:
    """Raise `ReceiptRejected` unless the request is signed with the account's secret, now."""
    secret = config.get(SECRET_FIELD)
    if not isinstance(secret, str) or not secret:
        raise ReceiptRejected(
            "receipt_secret_missing",
            f"The account has no {SECRET_FIELD}; set one to accept receipts.",
            status=403,
        )
    raw_timestamp = request.headers.get(TIMESTAMP_HEADER.lower(), "").strip()
    given = [
        part.strip()
        for part in request.headers.get(SIGNATURE_HEADER.lower(), "").split(",")
        if part.strip()
    ]
    if not raw_timestamp or not given:
        raise ReceiptRejected(
            "signature_missing", f"Sign the request: {TIMESTAMP_HEADER} and {SIGNATURE_HEADER}."
        )
    if not raw_timestamp.isdigit() or len(raw_timestamp) > 12:
        raise ReceiptRejected(
            "timestamp_invalid", f"{TIMESTAMP_HEADER} must be Unix time in seconds."
        )
    timestamp = int(raw_timestamp)
    expected = signature(secret, timestamp, request.body)
    # Every candidate is compared, so the time taken says nothing about which one was close.
    matches = [hmac.compare_digest(expected.encode(), value.encode()) for value in given]
    if not any(matches):
        raise ReceiptRejected("signature_invalid", "The signature does not match the body.")
    age = abs(request.received_at.timestamp() - timestamp)
    if age > TOLERANCE.total_seconds():
        raise ReceiptRejected(
            "timestamp_stale",
            f"The timestamp is {int(age)} s away from our clock; at most "
            f"{int(TOLERANCE.total_seconds())} s are accepted.",
        )


def items(request: ReceiptRequest, key: str) -> list[tuple[str, Any]]:
    """(JSON pointer, item) for each element of the body's list `key`."""

    def refuse(path: str, code: str, message: str) -> ReceiptMalformed:
        return ReceiptMalformed([ReceiptProblem(path, code, message)])

    try:
        body = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise refuse("", "invalid_json", f"The body is not JSON: {exc}") from exc
    except RecursionError as exc:
        raise refuse("", "too_deep", "The body is nested too deeply.") from exc
    if too_deep(body):
        raise refuse("", "too_deep", "The body is nested too deeply.")
    where = find_unstorable_text(body)
    if where is not None:
        raise refuse(where, "unstorable_text", "A NUL character or an unpaired surrogate.")
    if not isinstance(body, dict):
        raise refuse("", "not_an_object", f'The body must be an object {{"{key}": [...]}}.')
    listed = body.get(key)
    if not isinstance(listed, list):
        raise refuse(f"/{key}", "required" if listed is None else "not_a_list", "Give a list.")
    if len(listed) > MAX_ITEMS:
        raise refuse(f"/{key}", "too_many", f"At most {MAX_ITEMS} items per request.")
    return [(f"/{key}/{index}", item) for index, item in enumerate(listed)]


class ItemReader:
    """Reads fields of list items, collecting every problem before raising them together."""

    def __init__(self) -> None:
        self.problems: list[ReceiptProblem] = []

    def problem(self, path: str, code: str, message: str) -> None:
        self.problems.append(ReceiptProblem(path, code, message))

    def check(self) -> None:
        if self.problems:
            raise ReceiptMalformed(self.problems)

    def object(self, path: str, item: Any) -> Mapping[str, Any] | None:
        if isinstance(item, dict):
            return item
        self.problem(path, "not_an_object", "Each item must be an object.")
        return None

    def text(
        self, item: Mapping[str, Any], path: str, name: str, *, required: bool, max_length: int
    ) -> str:
        value = item.get(name)
        if value is None:
            if required:
                self.problem(f"{path}/{name}", "required", f"{name} is required.")
            return ""
        if not isinstance(value, str) or not value or len(value) > max_length:
            self.problem(
                f"{path}/{name}",
                "invalid",
                f"{name} must be a non-empty string of at most {max_length} characters.",
            )
            return ""
        return value

    def receipt_id(self, item: Mapping[str, Any], path: str) -> str:
        return self.text(item, path, "id", required=True, max_length=MAX_ID_LENGTH)

    def event(self, item: Mapping[str, Any], path: str) -> str:
        value = item.get("event")
        if value not in RECEIPT_EVENTS:
            self.problem(
                f"{path}/event",
                "required" if value is None else "unknown_event",
                f"event must be one of {', '.join(sorted(RECEIPT_EVENTS))}.",
            )
            return ""
        return str(value)

    def occurred_at(self, item: Mapping[str, Any], path: str) -> datetime | None:
        value = item.get("occurred_at")
        if value is None:
            return None
        parsed = None
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                parsed = None
        if parsed is None or parsed.tzinfo is None:
            self.problem(
                f"{path}/occurred_at",
                "invalid_datetime",
                "occurred_at must be an ISO 8601 date-time with a UTC offset.",
            )
            return None
        return parsed

    def detail(self, item: Mapping[str, Any], path: str) -> dict[str, Any]:
        value = item.get("detail", {})
        if not isinstance(value, dict):
            self.problem(f"{path}/detail", "not_an_object", "detail must be an object.")
            return {}
        return value
