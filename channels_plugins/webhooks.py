"""Delivering webhook nodes' calls: the outbox item's content is the rendered HTTP request.

A call is a message on the reserved channel `webhook` with no account, so it shares the
outbox's guarantees (claimed under a lease, keyed idempotently, retried by dispatch) without
going through a provider. Each request carries our idempotency key in `Idempotency-Key`, so a
receiver can tell a retry from a second call. Responses are normalised into the same failure
kinds providers use (ARCHITECTURE.md §3), which decide retries.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from channels_plugins.base import Failed, Outcome, Sent, retry_after_seconds
from core.conf import touchflow_settings

WEBHOOK_CHANNEL = "webhook"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_CONCURRENT_CALLS = 8
USER_AGENT = "Touchflow-Webhook/1"


def call_webhooks(requests: Sequence[tuple[dict[str, Any], str]]) -> list[Outcome]:
    """One outcome per (request, idempotency key), in order; calls run a few at a time."""
    if not requests:
        return []
    if not touchflow_settings.DELIVER_WEBHOOKS:
        return [Sent(provider_message_id="simulated")] * len(requests)
    with (
        httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client,
        ThreadPoolExecutor(max_workers=min(MAX_CONCURRENT_CALLS, len(requests))) as pool,
    ):
        return list(pool.map(lambda item: _call(client, *item), requests))


def _call(client: httpx.Client, request: dict[str, Any], idempotency_key: str) -> Outcome:
    url = request.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return Failed("config", f"not an http(s) URL: {url!r}")
    headers = {str(k): str(v) for k, v in (request.get("headers") or {}).items()}
    headers.setdefault("User-Agent", USER_AGENT)
    headers["Idempotency-Key"] = idempotency_key
    body = request.get("body")
    content = None
    if body is not None:
        content = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    try:
        response = client.request(
            request.get("method", "POST"), url, headers=headers, content=content
        )
    except httpx.InvalidURL as exc:
        return Failed("config", f"invalid URL: {exc}")
    except httpx.HTTPError as exc:  # connection refused, timeouts, protocol errors
        return Failed("transient", f"{type(exc).__name__}: {exc}")
    return _outcome(response)


def _outcome(response: httpx.Response) -> Outcome:
    status = response.status_code
    if 200 <= status < 300:
        return Sent(provider_message_id=f"http-{status}")
    detail = f"HTTP {status}"
    if status == 429:
        return Failed(
            "rate_limited",
            detail,
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )
    if status in (408, 425) or status >= 500:
        return Failed(
            "transient",
            detail,
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )
    if status in (401, 403):
        return Failed("auth", detail)
    if 300 <= status < 400:
        return Failed("config", f"{detail}: redirects are not followed")
    return Failed("content_rejected", detail)
