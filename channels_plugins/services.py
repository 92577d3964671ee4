"""Channel account services: the only code that writes ChannelAccount rows.

Config is validated against the provider's `config_schema`. Secrets (writeOnly fields) are
stored but never returned, and an update that leaves a secret out keeps the stored one, so
editing an account's sender name does not require re-typing its API secret. An account's
channel and workspace never change: journeys send through it by name and were validated
against its channel.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import getaddresses
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError as SchemaViolation

from channels_plugins.base import Provider, SecretPath
from channels_plugins.models import ChannelAccount, new_hook_token
from channels_plugins.registry import get_registry
from core.jsonpointer import pointer_from
from core.models import Workspace

MASK = "********"


@dataclass(frozen=True)
class FieldError:
    field: str  # "name", "channel", "provider" or "config"
    message: str
    path: str = ""  # JSON pointer inside config
    code: str = ""  # stable; "<field>.invalid" when not more specific

    def as_dict(self) -> dict[str, str]:
        return {"message": self.message, "path": self.path}

    def located(self) -> dict[str, str]:
        """The error with a stable code and a JSON pointer into the request body."""
        return {
            "code": self.code or f"{self.field}.invalid",
            "message": self.message,
            "path": f"/{self.field}{self.path}",
        }

    def __str__(self) -> str:
        return f"{self.message} (at {self.path})" if self.path else self.message


class AccountInvalid(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def resolve_provider(channel: str, provider: str) -> Provider:
    """The registered provider of `channel` named `provider`, or AccountInvalid saying why."""
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


EMAIL_FORMAT = "config.email_invalid"
_FORMATS = FormatChecker(formats=())  # only the formats checked below; others are hints


@_FORMATS.checks("email")
def is_email_address(value: object) -> bool:
    """`addr@example.com` or `Name <addr@example.com>`, judged by Django's EmailValidator
    (jsonschema's own `email` check only looks for an "@"). One address, on one line."""
    if not isinstance(value, str):
        return True  # the schema's `type` reports that
    found = getaddresses([value])
    if len(found) != 1 or "\n" in value or "\r" in value:
        return False  # a list such as "a@x, b@y" parses as its first address alone
    _, address = found[0]
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def config_errors(provider: Provider, config: Any) -> list[FieldError]:
    """Every way `config` breaks the provider's schema, each at the pointer a form field has:
    a missing required field and an unknown one are located at that field."""
    validator = Draft202012Validator(provider.account_schema(), format_checker=_FORMATS)
    errors = [located for error in validator.iter_errors(config) for located in _locate(error)]
    return sorted(errors, key=lambda error: (error.path, error.message))


def _locate(error: SchemaViolation) -> list[FieldError]:
    path = list(error.absolute_path)
    instance, schema, expected = error.instance, error.schema, error.validator_value
    if error.validator == "required" and isinstance(instance, Mapping):
        for name in expected if isinstance(expected, list) else []:
            if name not in instance and error.message.startswith(repr(name)):
                return [FieldError("config", "This field is required.", _pointer(path, name))]
    if (
        error.validator == "additionalProperties"
        and expected is False
        and isinstance(instance, Mapping)
        and isinstance(schema, Mapping)
        and "patternProperties" not in schema
    ):
        declared = schema.get("properties", {})
        extras = [name for name in instance if name not in declared]
        if extras:
            return [FieldError("config", "Unknown field.", _pointer(path, name)) for name in extras]
    if error.validator == "format" and expected == "email":
        message = "Enter an email address, such as news@example.com or Shop <news@example.com>."
        return [FieldError("config", message, pointer_from(path), EMAIL_FORMAT)]
    return [FieldError("config", error.message, pointer_from(path))]


def _pointer(path: list[Any], name: str) -> str:
    return pointer_from([*path, name])


# --- Secrets --------------------------------------------------------------------------------


def _provider_of(account: ChannelAccount) -> Provider | None:
    return get_registry().provider(account.channel, account.provider)


def _get(config: Any, path: SecretPath) -> tuple[bool, Any]:
    node = config
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node


def public_config(account: ChannelAccount) -> dict[str, Any]:
    """The config without its secrets, for every response and form.

    If the provider is no longer registered nobody can say which fields are secret, so
    nothing is returned.
    """
    provider = _provider_of(account)
    if provider is None:
        return {}
    config = copy.deepcopy(dict(account.config or {}))
    for path in provider.secret_paths():
        _, parent = _get(config, path[:-1])
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
    return config


def masked_config(account: ChannelAccount) -> dict[str, Any]:
    """The config with each stored secret shown as a mask (the admin's read-only view)."""
    provider = _provider_of(account)
    config = copy.deepcopy(dict(account.config or {}))
    if provider is None:
        return dict.fromkeys(config, MASK)
    for path in provider.secret_paths():
        _, parent = _get(config, path[:-1])
        if isinstance(parent, dict) and path[-1] in parent:
            parent[path[-1]] = MASK
    return config


def _keep_secrets(provider: Provider, stored: Mapping[str, Any], new: dict[str, Any]) -> None:
    """Copy stored secrets the new config leaves out, where their parent object is still there."""
    for path in provider.secret_paths():
        present, _ = _get(new, path)
        found, value = _get(stored, path)
        _, parent = _get(new, path[:-1])
        if found and not present and isinstance(parent, dict):
            parent[path[-1]] = copy.deepcopy(value)


# --- Writes ---------------------------------------------------------------------------------


def _name_errors(name: str) -> list[FieldError]:
    try:
        ChannelAccount._meta.get_field("name").clean(name, None)
    except ValidationError as exc:
        return [FieldError("name", message) for message in exc.messages]
    return []


def prepare_config(
    *,
    channel: str,
    provider: str,
    config: Any,
    account: ChannelAccount | None = None,
) -> dict[str, Any]:
    """The config to store: `config` plus the secrets of `account` it leaves out, validated.

    Raises AccountInvalid. Forms call it to show errors before saving; the writes below call
    it again.
    """
    found = resolve_provider(channel, provider)
    if not isinstance(config, Mapping):
        raise AccountInvalid([FieldError("config", "config must be a JSON object.")])
    prepared = copy.deepcopy(dict(config))
    if account is not None and account.provider == provider:
        _keep_secrets(found, account.config or {}, prepared)
    errors = config_errors(found, prepared)
    if errors:
        raise AccountInvalid(errors)
    return prepared


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
    errors = _name_errors(name)
    if errors:
        raise AccountInvalid(errors)
    prepared = prepare_config(channel=channel, provider=provider, config=config)
    return _save(
        ChannelAccount(
            workspace=workspace,
            name=name,
            channel=channel,
            provider=provider,
            config=prepared,
            track_clicks=track_clicks,
        )
    )


def update_account(
    account: ChannelAccount,
    *,
    name: str | None = None,
    channel: str | None = None,
    provider: str | None = None,
    config: Mapping[str, Any] | None = None,
    track_clicks: bool | None = None,
) -> ChannelAccount:
    """Apply the given changes. A new `config` replaces the stored one, except that secrets it
    leaves out keep their stored values while the provider stays the same. `channel` may only
    repeat the account's own."""
    if channel is not None and channel != account.channel:
        raise AccountInvalid(
            [
                FieldError(
                    "channel",
                    "An account's channel cannot change: journeys send through it. "
                    "Create another account instead.",
                )
            ]
        )
    errors = _name_errors(name) if name is not None else []
    if errors:
        raise AccountInvalid(errors)
    provider_name = account.provider if provider is None else provider
    if config is None:
        config = account.config if provider_name == account.provider else {}
    prepared = prepare_config(
        channel=account.channel, provider=provider_name, config=config, account=account
    )
    if name is not None:
        account.name = name
    if track_clicks is not None:
        account.track_clicks = track_clicks
    account.provider = provider_name
    account.config = prepared
    return _save(account)


def rotate_hook_token(account: ChannelAccount) -> ChannelAccount:
    """A new receipt URL; the old one answers 404 at once (give the provider the new one)."""
    account.hook_token = new_hook_token()
    account.save(update_fields=["hook_token", "updated_at"])
    return account


def delete_account(account: ChannelAccount) -> None:
    """Messages already sent through the account keep their history (their account is unset)."""
    account.delete()


def account_channels(workspace: Workspace) -> dict[str, str]:
    """Account name → channel name, what journey validation checks send nodes against."""
    return dict(ChannelAccount.objects.filter(workspace=workspace).values_list("name", "channel"))
