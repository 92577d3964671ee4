"""Creating and revoking API keys: the only code that writes ApiKey rows."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from core import clock
from core.models import ApiKey, Workspace
from core.models.apikey import ALL_SCOPES, VISIBLE_CHARS, digest_key, generate_raw_key


class UnknownScope(ValueError):
    pass


def normalize_scopes(scopes: Iterable[str]) -> list[str]:
    requested = [scope.strip() for scope in scopes if scope.strip()]
    unknown = sorted(set(requested) - set(ALL_SCOPES))
    if unknown:
        raise UnknownScope(f"Unknown scopes: {', '.join(unknown)} (use {', '.join(ALL_SCOPES)}).")
    if not requested:
        raise UnknownScope("A key needs at least one scope.")
    return [scope for scope in ALL_SCOPES if scope in requested]


@transaction.atomic
def create_api_key(
    workspace: Workspace, *, scopes: Iterable[str] = ALL_SCOPES, name: str = ""
) -> tuple[ApiKey, str]:
    """Create a key; the raw secret is returned once and never stored."""
    raw_key = generate_raw_key()
    key = ApiKey.objects.create(
        workspace=workspace,
        name=name,
        prefix=raw_key[:VISIBLE_CHARS],
        digest=digest_key(raw_key),
        scopes=normalize_scopes(scopes),
    )
    return key, raw_key


def revoke_api_key(key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        key.save(update_fields=["revoked_at"])
