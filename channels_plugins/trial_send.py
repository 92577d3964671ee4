"""Send one test message through a channel account, outside any journey (`touchflow_send_test`).

It proves an account's credentials and the provider's reach before a journey depends on them.
The message goes straight to the provider: no outbox row, so it shows in no contact's timeline
and no journey's stats, and the dispatcher's retries do not apply (one attempt, its outcome
reported as it is).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

from channels_plugins.base import Failed, OutboundMessage, Outcome
from channels_plugins.models import ChannelAccount
from channels_plugins.registry import get_registry
from core.models import Workspace

TEXT = "This is a test message from Touchflow: the channel account works."
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "email": {
        "subject": "Touchflow test message",
        "body_text": TEXT,
        "body_html": f"<p>{TEXT}</p>",
    },
    "sms": {"body": TEXT},
    "push": {"title": "Touchflow test message", "body": TEXT},
}


class TrialError(Exception):
    """Nothing was sent: the account, its provider or the params are not usable as given."""


def find_account(name: str, workspace_slug: str | None = None) -> ChannelAccount:
    """The account called `name`; without a workspace, the only one of that name."""
    accounts = ChannelAccount.objects.filter(name=name).select_related("workspace")
    if workspace_slug is not None:
        if not Workspace.objects.filter(slug=workspace_slug).exists():
            raise TrialError(f"No workspace {workspace_slug!r}.")
        accounts = accounts.filter(workspace__slug=workspace_slug)
    found = list(accounts.order_by("workspace__slug"))
    if not found:
        where = f" in workspace {workspace_slug!r}" if workspace_slug else ""
        raise TrialError(f"No channel account {name!r}{where}.")
    if len(found) > 1:
        slugs = ", ".join(account.workspace.slug for account in found)
        raise TrialError(
            f"Channel account {name!r} exists in several workspaces ({slugs}): "
            "choose one with --workspace."
        )
    return found[0]


def trial_params(channel: str, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The channel's default test content, or `given` instead; checked by the channel's schema."""
    registered = get_registry().channel(channel)
    if registered is None:
        raise TrialError(f"No channel {channel!r} is registered (is its plugin installed?).")
    if given is None:
        if channel not in DEFAULT_PARAMS:
            raise TrialError(
                f"The {channel} channel has no default test message: pass its params with "
                "--params (JSON)."
            )
        given = DEFAULT_PARAMS[channel]
    params = dict(given)
    validator = Draft202012Validator(dict(registered.params_schema))
    errors = sorted(validator.iter_errors(params), key=lambda e: list(e.path))
    if errors:
        problems = "; ".join(
            f"{'/'.join(str(p) for p in error.path) or 'params'}: {error.message}"
            for error in errors
        )
        raise TrialError(f"The params do not fit the {channel} channel: {problems}")
    return params


def send_trial(account: ChannelAccount, address: str, params: Mapping[str, Any]) -> Outcome:
    """One attempt through the account's provider; every outcome is returned, none raised."""
    provider = get_registry().provider(account.channel, account.provider)
    if provider is None:
        raise TrialError(
            f"No provider {account.provider!r} for the {account.channel} channel is registered "
            "(is its plugin installed?)."
        )
    message = OutboundMessage(
        id=0,  # no outbox row stands behind a test message
        to=address,
        content=dict(params),
        idempotency_key=f"send-test:{account.pk}:{uuid.uuid4().hex}",
    )
    try:
        [outcome] = provider.send(provider.own_config(account.config), [message])
    except NotImplementedError as exc:
        return Failed("config", str(exc))
    return outcome
