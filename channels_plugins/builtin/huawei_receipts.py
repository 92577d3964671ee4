"""Huawei Push Kit delivery receipts: the `X-HUAWEI-CALLBACK-ID` check and the `statuses` body.

Huawei signs a receipt with the callback user name and key configured in AppGallery Connect:
`X-HUAWEI-CALLBACK-ID: timestamp=<ms>; nonce=<text>; value=<Base64(HMAC-SHA256(key,
timestamp + nonce + username))>`. The signature covers neither the body nor the URL, so the
account's secret URL token stays the first line of defence and a stale timestamp (further than
TOLERANCE from our clock) is refused so a captured header cannot be reused later.

Each status names the send's `requestId` and the device `token`; the message is found by the
provider message id the send returned, `<requestId>:<token digest>`. Status 0 is delivered;
every other status is `message.failed` with Huawei's code, and 2, 5 and 10 (app uninstalled,
token of another user, device inactive for 30 days) also make the token unusable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from channels_plugins import signed_receipts
from channels_plugins.base import Receipt, ReceiptRejected, ReceiptRequest

CALLBACK_HEADER = "X-HUAWEI-CALLBACK-ID"
TOLERANCE = timedelta(minutes=5)
USERNAME_FIELD, KEY_FIELD = "callback_username", "callback_key"
DELIVERED = 0
DEAD_TOKEN_STATUSES = frozenset({2, 5, 10})
CAPPED_STATUSES = frozenset({102})
STATUS_MEANINGS = {
    0: "delivered",
    2: "app not installed",
    5: "token not for the current Android user",
    6: "notifications disabled",
    10: "inactive device (offline for 30 days)",
    14: "other",
    15: "offline message overwritten",
    22: "user id mismatch",
    27: "app process not running; data message cached",
    31: "unsupported",
    51: "device not unlocked",
    102: "frequency control: over 3,000 messages to the device today",
    144: "profile id missing",
    201: "send controlled",
}
MAX_TOKEN_LENGTH = 512
MAX_REQUEST_ID_LENGTH = 100


def token_digest(token: str) -> str:
    """A short stand-in for a device token (they run past 100 characters) in message ids."""
    return hashlib.sha256(token.encode()).hexdigest()[:24]


def provider_message_id(request_id: str, token: str) -> str:
    """What a send returns for one token of one request; receipts carry both parts back."""
    return f"{request_id}:{token_digest(token)}"


def callback_value(key: str, timestamp: str, nonce: str, username: str) -> str:
    digest = hmac.new(key.encode(), f"{timestamp}{nonce}{username}".encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def callback_header(key: str, username: str, at: datetime, nonce: str) -> str:
    """The header Huawei sends (the stand-in and tests build theirs with it)."""
    timestamp = str(int(at.timestamp() * 1000))
    value = callback_value(key, timestamp, nonce, username)
    return f"timestamp={timestamp}; nonce={nonce}; value={value}"


def verify(config: Mapping[str, Any], request: ReceiptRequest) -> None:
    username, key = config.get(USERNAME_FIELD), config.get(KEY_FIELD)
    if not isinstance(username, str) or not username or not isinstance(key, str) or not key:
        raise ReceiptRejected(
            "callback_key_missing",
            f"Set the account's {USERNAME_FIELD} and {KEY_FIELD} (as configured for receipts in "
            "AppGallery Connect) to accept receipts.",
            status=403,
        )
    parts = _header_parts(request.headers.get(CALLBACK_HEADER.lower(), ""))
    timestamp, nonce, given = parts.get("timestamp", ""), parts.get("nonce", ""), parts.get("value")
    if not timestamp or not nonce or not given:
        raise ReceiptRejected(
            "signature_missing",
            f"Sign the request: {CALLBACK_HEADER} with timestamp, nonce, value.",
        )
    if not timestamp.isdigit() or len(timestamp) > 15:
        raise ReceiptRejected("timestamp_invalid", "The timestamp must be Unix time in ms.")
    expected = callback_value(key, timestamp, nonce, username)
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise ReceiptRejected("signature_invalid", f"{CALLBACK_HEADER} does not match.")
    age = abs(request.received_at.timestamp() - int(timestamp) / 1000)
    if age > TOLERANCE.total_seconds():
        raise ReceiptRejected(
            "timestamp_stale",
            f"The timestamp is {int(age)} s away from our clock; at most "
            f"{int(TOLERANCE.total_seconds())} s are accepted.",
        )


def _header_parts(header: str) -> dict[str, str]:
    """`timestamp=…; nonce=…; value=…` → a dict; a value may itself hold `=` (Base64)."""
    parts = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            parts[name.strip().lower()] = value.strip()
    return parts


def parse(request: ReceiptRequest) -> list[Receipt]:
    """V1 (`status`) and V2 (`deliveryStatus.result`) statuses, in order."""
    reader = signed_receipts.ItemReader()
    receipts = []
    for path, raw in signed_receipts.items(request, "statuses"):
        item = reader.object(path, raw)
        if item is None:
            continue
        token = reader.text(item, path, "token", required=True, max_length=MAX_TOKEN_LENGTH)
        request_id = reader.text(
            item, path, "requestId", required=True, max_length=MAX_REQUEST_ID_LENGTH
        )
        status, at = _status(reader, item, path)
        bi_tag = _bi_tag(reader, item, path)
        if not token or not request_id or status is None:
            continue
        receipts.append(_receipt(token, request_id, status, at, bi_tag))
    reader.check()
    return receipts


def _bi_tag(reader: signed_receipts.ItemReader, item: Mapping[str, Any], path: str) -> str:
    """Huawei sends `"biTag": ""` for messages sent without one."""
    value = item.get("biTag")
    if value is None or value == "":
        return ""
    return reader.text(item, path, "biTag", required=False, max_length=200)


def _status(
    reader: signed_receipts.ItemReader, item: Mapping[str, Any], path: str
) -> tuple[int | None, datetime | None]:
    holder, where = item, path
    if "status" not in item and isinstance(item.get("deliveryStatus"), dict):
        holder, where = item["deliveryStatus"], f"{path}/deliveryStatus"
    name = "status" if holder is item else "result"
    status = holder.get(name)
    if isinstance(status, bool) or not isinstance(status, int):
        reader.problem(
            f"{where}/{name}",
            "required" if status is None else "invalid",
            f"{name} must be Huawei's integer status code.",
        )
        return None, None
    stamp = holder.get("timestamp")
    if stamp is None:
        return status, None
    if isinstance(stamp, bool) or not isinstance(stamp, int) or not 0 <= stamp < 10**14:
        reader.problem(f"{where}/timestamp", "invalid", "timestamp must be Unix time in ms.")
        return None, None
    return status, datetime.fromtimestamp(stamp / 1000, tz=UTC)


def _receipt(token: str, request_id: str, status: int, at: datetime | None, bi_tag: str) -> Receipt:
    message_id = provider_message_id(request_id, token)
    detail: dict[str, Any] = {
        "status": status,
        "meaning": STATUS_MEANINGS.get(status, "unknown status"),
    }
    if status in DEAD_TOKEN_STATUSES:
        detail["kind"] = "invalid_recipient"
    elif status in CAPPED_STATUSES:
        detail["kind"] = "recipient_capped"
    if bi_tag:
        detail["bi_tag"] = bi_tag
    if status != DELIVERED:
        detail["diagnostic"] = f"Huawei receipt status {status}: {detail['meaning']}"
    return Receipt(
        id=f"{message_id}:{status}",
        event="message.delivered" if status == DELIVERED else "message.failed",
        provider_message_id=message_id,
        occurred_at=at,
        detail=detail,
        address_unusable=status in DEAD_TOKEN_STATUSES,
        recipient=token,
    )
