"""Huawei OAuth 2.0 access tokens (client credentials), cached per process.

One token serves every dispatch worker (thread) of the process that sends for the same app:
Huawei's token endpoint is rate limited and a token lasts an hour, so fetching one per batch
would waste both. A token is used until REFRESH_MARGIN before it expires (what Huawei's own
server demo does), measured on `core.clock` so tests move time instead of sleeping. A send
answered with an auth error drops the token it used (`invalidate`) and fetches a new one once.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from channels_plugins.base import Failed
from core import clock

REFRESH_MARGIN = timedelta(minutes=5)
GRANT_TYPE = "client_credentials"

CacheKey = tuple[str, str, str]  # (token URL, client id, digest of the secret)


class TokenRefused(Exception):
    """No token could be had; `failure` is what every message of the send gets."""

    def __init__(self, failure: Failed) -> None:
        super().__init__(failure.detail)
        self.failure = failure


@dataclass(frozen=True)
class AccessToken:
    value: str
    refresh_at: datetime


def cache_key(token_url: str, client_id: str, client_secret: str) -> CacheKey:
    """The secret is part of the key (as a digest): a rotated secret gets a token of its own."""
    return (token_url, client_id, hashlib.sha256(client_secret.encode()).hexdigest())


class TokenCache:
    """Tokens by app credentials. Fetching happens under the lock, so workers that find the
    token stale together wait for one fetch instead of each making their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[CacheKey, AccessToken] = {}

    def get(self, key: CacheKey, fetch: Callable[[], tuple[str, float]]) -> str:
        """A live token for `key`; `fetch` returns (token, seconds it lasts) when none is."""
        with self._lock:
            cached = self._tokens.get(key)
            now = clock.now()
            if cached is not None and now < cached.refresh_at:
                return cached.value
            value, lifetime = fetch()
            refresh_at = now + max(timedelta(seconds=lifetime) - REFRESH_MARGIN, timedelta(0))
            self._tokens[key] = AccessToken(value, refresh_at)
            return value

    def invalidate(self, key: CacheKey, value: str) -> None:
        """Forget `value` (the provider refused it). A token another worker already replaced
        it with is kept: that one has not been refused."""
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and cached.value == value:
                del self._tokens[key]

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


TOKENS = TokenCache()  # the process-wide cache every Huawei send uses


def fetch_token(
    client: httpx.Client, token_url: str, client_id: str, client_secret: str, timeout: float
) -> tuple[str, float]:
    """Ask Huawei's OAuth server for a token; raise `TokenRefused` with the normalized kind."""
    form = {"grant_type": GRANT_TYPE, "client_id": client_id, "client_secret": client_secret}
    try:
        response = client.post(token_url, data=form, timeout=timeout)
    except httpx.TransportError as exc:
        raise TokenRefused(Failed("transient", f"token endpoint unreachable: {exc!r}")) from exc
    body = json_object(response)
    if response.status_code >= 500:
        raise TokenRefused(Failed("transient", f"token endpoint HTTP {response.status_code}"))
    if response.status_code != 200:
        error = body.get("error_description") or body.get("error") or response.text[:200]
        raise TokenRefused(Failed("auth", f"token refused (HTTP {response.status_code}): {error}"))
    value, lifetime = body.get("access_token"), body.get("expires_in")
    if not isinstance(value, str) or not value or not isinstance(lifetime, int | float):
        raise TokenRefused(Failed("transient", "token endpoint answered without a token"))
    # Tokens copied out of JSON by hand keep escaped slashes; ours come parsed, but a proxy
    # that double-encodes would leave them, and Huawei refuses the escaped form.
    return value.replace("\\/", "/"), float(lifetime)


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The response's JSON object; {} for anything else (an HTML error page, a proxy's text)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
