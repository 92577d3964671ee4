"""The `chatops` channel and the `chatops_webhook` provider that POSTs JSON with httpx.

HTTP answers are mapped to Touchflow's normalized failure kinds, so the dispatcher can decide
what to retry: 429 is `rate_limited` (honouring `Retry-After`), 5xx and network errors
`transient`, 401/403 `auth`, 404 `invalid_recipient`, any other 4xx `content_rejected`. The
provider never sleeps or retries itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from channels_plugins.base import Channel, Failed, OutboundMessage, Outcome, Provider, Sent

SCHEMA = "https://json-schema.org/draft/2020-12/schema"
TIMEOUT = httpx.Timeout(10.0)

CHATOPS = Channel(
    name="chatops",
    title="ChatOps",
    description="A direct message in the team's chat app, delivered by a webhook.",
    params_schema={
        "$schema": SCHEMA,
        "type": "object",
        "additionalProperties": False,
        "required": ["text"],
        "properties": {
            "text": {
                "type": "string",
                "minLength": 1,
                "title": "Text",
                "description": "The message; a template rendered per contact.",
            }
        },
    },
)


class ChatopsWebhook(Provider):
    def send(self, config: Mapping[str, Any], messages: Sequence[OutboundMessage]) -> list[Outcome]:
        """One POST per message, in order, over one connection pool for the batch."""
        headers = {"Authorization": f"Bearer {config['token']}"}
        with httpx.Client(timeout=TIMEOUT, headers=headers) as client:
            return [_post(client, str(config["url"]), message) for message in messages]


def _post(client: httpx.Client, url: str, message: OutboundMessage) -> Outcome:
    body = {"user": message.to, "text": message.content.get("text", ""), "message_id": message.id}
    try:
        response = client.post(url, json=body, headers={"Idempotency-Key": message.idempotency_key})
    except httpx.HTTPError as exc:
        return Failed("transient", f"{type(exc).__name__}: {exc}")
    if response.is_success:
        return Sent(_message_id(response) or message.idempotency_key)
    return _failure(response)


def _message_id(response: httpx.Response) -> str | None:
    """The receiver's id for the message, when it answers `{"id": …}`."""
    try:
        payload = response.json()
    except ValueError:
        return None
    found = payload.get("id") if isinstance(payload, dict) else None
    return str(found) if found not in (None, "") else None


def _failure(response: httpx.Response) -> Failed:
    status, detail = response.status_code, f"HTTP {response.status_code}"
    if status == 429:
        return Failed("rate_limited", detail, _seconds(response.headers.get("Retry-After")))
    if status >= 500:
        return Failed("transient", detail)
    if status in (401, 403):
        return Failed("auth", detail)
    if status == 404:
        return Failed("invalid_recipient", detail)
    return Failed("content_rejected", detail)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: the dispatcher's own backoff applies


CHATOPS_WEBHOOK = ChatopsWebhook(
    name="chatops_webhook",
    title="ChatOps webhook",
    description="POSTs each message as JSON to a URL the chat app gives you.",
    channels=("chatops",),
    max_batch_size=50,  # one connection pool carries up to 50 POSTs
    config_schema={
        "$schema": SCHEMA,
        "type": "object",
        "additionalProperties": False,
        "required": ["url", "token"],
        "properties": {
            "url": {
                "type": "string",
                "format": "uri",
                "pattern": "^https?://",
                "title": "Webhook URL",
                "description": "Where messages are POSTed, from the chat app's settings.",
            },
            "token": {
                "type": "string",
                "minLength": 1,
                "title": "Token",
                "description": "Sent as a bearer token; stored, never shown again.",
                "writeOnly": True,
            },
        },
    },
)
