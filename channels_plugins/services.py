"""Channel account services: the only code that writes ChannelAccount rows.

Config is validated against the provider's `config_schema`. Secrets (writeOnly fields) are
stored but never returned, and an update that leaves a secret out keeps the stored one, so
editing an account's sender name does not require re-typing its API secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from jsonschema import Draft202012Validator

from channels_plugins.base import Provider
from channels_plugins.models import ChannelAccount
from channels_plugins.registry import get_registry
from core.jsonpointer import pointer_from
from core.models import Workspace


@dataclass(frozen=True)
class FieldError:
    field: str  # "name", "channel", "provider" or "config"
    message: str
    path: str = ""  # JSON pointer inside config

    def as_dict(self) -> dict[str, str]:
        return {"message": self.message, "path": self.path}


class AccountInvalid(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors


def resolve_provider(channel: str, provider: str) -> Provider:
    registry = get_registry()
    if channel not in registry.channels:
        known = ", ".join(sorted(registry.channels))
        raise AccountInvalid([FieldError("channel", f"Unknown channel {channel!r} ({known}).")])
    found = registry.provider(channel, provider)
    if found is None:
        known = ", ".join(p.name for p in registry.providers_for(channel))
        raise AccountInvalid(
            [FieldError("provider", f"No provider {provider!r} for {channel} ({known}).")]
        )
    return found


def config_errors(provider: Provider, config: Any) -> list[FieldError]:
    validator = Draft202012Validator(dict(provider.config_schema))
    return [
        FieldError("config", error.message, pointer_from(error.absolute_path))
        for error in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    ]


def public_config(account: ChannelAccount) -> dict[str, Any]:
    """The config without its secrets, for every response and form."""
    provider = get_registry().provider(account.channel, account.provider)
    secrets = provider.secret_fields() if provider is not None else frozenset()
    config: dict[str, Any] = account.config or {}
    return {key: value for key, value in config.items() if key not in secrets}


def _save(account: ChannelAccount) -> ChannelAccount:
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:
        message = f"The workspace already has an account named {account.name!r}."
        raise AccountInvalid([FieldError("name", message)]) from exc
    return account


def create_account(
    workspace: Workspace,
    *,
    name: str,
    channel: str,
    provider: str,
    config: Mapping[str, Any],
    track_clicks: bool = False,
) -> ChannelAccount:
    found = resolve_provider(channel, provider)
    errors = config_errors(found, dict(config))
    if errors:
        raise AccountInvalid(errors)
    return _save(
        ChannelAccount(
            workspace=workspace,
            name=name,
            channel=channel,
            provider=provider,
            config=dict(config),
            track_clicks=track_clicks,
        )
    )


def update_account(account: ChannelAccount, **changes: Any) -> ChannelAccount:
    """Apply changes; secrets left out of a new config keep their stored values."""
    channel = changes.get("channel", account.channel)
    provider_name = changes.get("provider", account.provider)
    provider = resolve_provider(channel, provider_name)
    config = dict(changes.get("config", account.config))
    if provider_name == account.provider:
        for secret in provider.secret_fields():
            if secret not in config and secret in account.config:
                config[secret] = account.config[secret]
    errors = config_errors(provider, config)
    if errors:
        raise AccountInvalid(errors)
    account.name = changes.get("name", account.name)
    account.channel = channel
    account.provider = provider_name
    account.config = config
    account.track_clicks = changes.get("track_clicks", account.track_clicks)
    return _save(account)


def delete_account(account: ChannelAccount) -> None:
    account.delete()


def account_channels(workspace: Workspace) -> dict[str, str]:
    """Account name → channel, what journey validation checks send nodes against."""
    return dict(ChannelAccount.objects.filter(workspace=workspace).values_list("name", "channel"))
