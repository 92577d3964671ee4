"""A provider's access token, cached in the database and shared by every worker and process.

`current_token` returns the stored token while it has more than `margin` left, else fetches
one. When the provider rejects a token (WeChat 40001/42001), `replace_token(failed=…)` first
re-reads the row: another process may already have fetched a newer token (and the fetch is
what made ours stale), and then that one is used without a fetch. Only when the stored token
is the one that failed is a new one fetched. Fetches happen with the row locked
(`select_for_update`, a no-op on SQLite whose writes are serialized anyway), so on PostgreSQL
two workers never fetch at once.

Expiry is judged on `core.clock.now()`, so tests move it with time_machine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction

from channels_plugins.models import ProviderToken
from core import clock

# Refresh this long before the provider's expiry (providers.md A0.2 rule 2), so a token is
# never used in its last minutes, when a slow request could reach the provider expired.
DEFAULT_MARGIN = timedelta(minutes=5)

# Fetches a fresh token: (token, seconds it lives). `force` asks the provider for a new one
# even if its current one is still valid (the stored one was rejected). Raises on failure.
Fetch = Callable[[bool], tuple[str, float]]


def current_token(key: str, fetch: Fetch, *, margin: timedelta = DEFAULT_MARGIN) -> str:
    """The shared token for `key`, fetched (unforced) when there is none fresh enough."""
    token = _fresh(key, margin)
    if token is not None:
        return token
    return _locked_fetch(key, fetch, margin, failed=None)


def replace_token(
    key: str, failed: str, fetch: Fetch, *, margin: timedelta = DEFAULT_MARGIN
) -> str:
    """A token to retry with after the provider rejected `failed`: the stored one when another
    worker has already replaced it, else a forced fetch."""
    return _locked_fetch(key, fetch, margin, failed=failed)


def forget_token(key: str) -> None:
    """Drop the stored token (the account's credentials changed)."""
    ProviderToken.objects.filter(key=key).delete()


def _fresh(key: str, margin: timedelta) -> str | None:
    row = ProviderToken.objects.filter(key=key).only("token", "expires_at").first()
    if row is not None and row.expires_at - margin > clock.now():
        return row.token
    return None


def _locked_fetch(key: str, fetch: Fetch, margin: timedelta, *, failed: str | None) -> str:
    with transaction.atomic():
        row = ProviderToken.objects.select_for_update().filter(key=key).first()
        now = clock.now()
        if row is not None and row.token != failed and row.expires_at - margin > now:
            return row.token  # another worker got there first
        token, lifetime = fetch(failed is not None)
        now = clock.now()
        ProviderToken.objects.update_or_create(
            key=key,
            defaults={
                "token": token,
                "expires_at": now + timedelta(seconds=lifetime),
                "fetched_at": now,
            },
        )
        return token
