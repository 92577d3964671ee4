"""Delivering webhook nodes' calls: the outbox item's content is the rendered HTTP request.

A call is a message on the reserved channel `webhook` with no account, so it shares the
outbox's guarantees (claimed under a lease, keyed idempotently, retried by dispatch) without
going through a provider. Each request carries our idempotency key in `Idempotency-Key`, so a
receiver can tell a retry from a second call. Responses are normalised into the same failure
kinds providers use (ARCHITECTURE.md §3), which decide retries.

A marketer writes the URL, so a call may not reach the networks `WEBHOOK_BLOCKED_NETWORKS`
lists (by default the link-local range and the cloud metadata addresses, where an instance's
credentials are served): the host is resolved first and the call refused if any of its
addresses is blocked. The connection resolves the name again, so a DNS server that answers
differently the second time is not covered; block the range at the network too where that
matters.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
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
    try:
        blocked = blocked_address(httpx.URL(url))
    except httpx.InvalidURL as exc:
        return Failed("config", f"invalid URL: {exc}")
    if blocked:
        return Failed(
            "config",
            f"the URL's host is a blocked address ({blocked}): webhooks may not call the"
            " networks in WEBHOOK_BLOCKED_NETWORKS",
        )
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


def blocked_address(url: httpx.URL) -> str:
    """The first address of the URL's host inside a blocked network, or "" when none is.

    A name that does not resolve is not blocked here: the call then fails to connect, as a
    transient failure like any other.
    """
    networks = _networks(tuple(touchflow_settings.WEBHOOK_BLOCKED_NETWORKS))
    if not networks:
        return ""
    host = url.host
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            found = socket.getaddrinfo(host, url.port or 443, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return ""
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    for address in addresses:
        mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:169.254.169.254 is the v4 one
        for candidate in (address, mapped):
            if candidate is not None and any(candidate in network for network in networks):
                return str(address)
    return ""


@lru_cache(maxsize=8)
def _networks(specs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(spec, strict=False) for spec in specs)


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
