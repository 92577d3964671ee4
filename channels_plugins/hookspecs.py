"""The hooks Touchflow plugins implement. Every hook is documented in docs/plugins.md.

Few hooks, shaped like data: a plugin hands typed objects (`Channel`, `Provider`) to a
`register` callback, and behaviour lives on those objects rather than in more hooks (the
pattern of llm and tox). Hooks are grouped by purpose: registration, address resolution, the
send-policy veto and after-send observation. Each hook is prefixed `touchflow_` and called only
through the typed facade in `channels_plugins.registry`; the per-message hooks are the few
places where behaviour cannot live on a registered object, because it crosses channels.

Hooks are called with keyword arguments; an implementation may accept any subset of a hook's
parameters, by name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from channels_plugins.base import Channel, Outcome, Provider
    from channels_plugins.models import ChannelAccount, Message
    from core.models import Contact

PROJECT_NAME = "touchflow"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --- Registration -------------------------------------------------------------------------
# Called once per plugin when the registry is first built (lazily, on first use), never per
# message. What a plugin registers stays until the registry is reset.


@hookspec
def touchflow_register_channels(register: Callable[[Channel], None]) -> None:
    """Register the channels this plugin adds.

    Parameters:
        register: call ``register(channel)`` once per `channels_plugins.base.Channel`
            instance. A channel declares the `params_schema` its send nodes are validated
            against.

    Returns:
        Nothing; a returned value is ignored.

    Calling: every plugin's implementation is called (not ``firstresult``), in registration
    order: built-in plugins first, then entry points. Problems are reported by system checks:
    a channel name registered twice is ``touchflow.E001`` (the first registration wins), an
    object that is not a valid `Channel` is ``touchflow.E005``.

    Added in 0.1.
    """


@hookspec
def touchflow_register_providers(register: Callable[[Provider], None]) -> None:
    """Register the providers this plugin adds.

    Parameters:
        register: call ``register(provider)`` once per `channels_plugins.base.Provider`
            instance. A provider serves the channels it lists (``("*",)``: every registered
            channel) and declares the `config_schema` channel accounts are validated against,
            secret fields marked ``"writeOnly": true``.

    Returns:
        Nothing; a returned value is ignored.

    Calling: every plugin's implementation is called (not ``firstresult``). Providers are
    matched to channels after every plugin has registered its channels, so a plugin may add a
    provider for another plugin's channel. Problems are reported by system checks: a provider
    for a channel no plugin registers is ``touchflow.E002``, a (channel, provider name) pair
    registered twice ``touchflow.E003`` (the first wins), an invalid object ``touchflow.E005``.

    Added in 0.1.
    """


# --- Address resolution -------------------------------------------------------------------
# Called by dispatch once per message, before the send policy.


@hookspec(firstresult=True)
def touchflow_resolve_address(contact: Contact, channel: str, provider: str) -> str | None:
    """Say where `contact` is reached on `channel` (e.g. a chat-app user id from an attribute).

    Parameters:
        contact: the `core.models.Contact` the message is for (read it; do not save it).
        channel: the channel name of the message, e.g. ``"sms"`` or a plugin's own channel.
        provider: the provider name of the account sending it; addresses can be provider
            specific (a Huawei push token means nothing to FCM).

    Returns:
        The address as a non-empty string, or None for "not mine": the next plugin is asked,
        and when every plugin says None the built-in resolution applies (phone for ``sms``,
        email for ``email``, openid for ``wechat``, a push token of the provider for ``push``).
        A contact with no address at all is skipped with reason ``no_address``.

    Calling: ``firstresult``: the first non-None answer wins; plugins registered later are
    asked first (pluggy's order; ``tryfirst``/``trylast`` adjust it). Only messages sent
    through a channel account are resolved; journey webhook calls have no address. A plugin
    raising an exception skips the message with reason ``address_error: …`` and is logged;
    dispatch goes on with the other messages.

    Added in 0.2.
    """


# --- Send policy --------------------------------------------------------------------------
# Called by dispatch once per message, after address resolution and before frequency caps and
# the provider.


@hookspec(firstresult=True)
def touchflow_send_policy(
    message: Message, contact: Contact, account: ChannelAccount, now: datetime
) -> str | None:
    """Veto a message: quiet periods, consent kept elsewhere, a do-not-disturb list.

    Parameters:
        message: the `channels_plugins.models.Message` about to be sent (``channel``,
            ``category``, ``content``, ``journey_id``…); read it, do not save it.
        contact: the `core.models.Contact` it is for.
        account: the `channels_plugins.models.ChannelAccount` that would send it.
        now: the dispatcher's clock (aware, UTC); use it rather than the wall clock, so
            simulations and tests see the time they set.

    Returns:
        A short reason (e.g. ``"do_not_disturb"``) to skip the message: it is recorded with
        status ``skipped`` and that reason (cut to 200 characters), settles like any other skip
        and is never retried. None allows it, as far as this plugin is concerned.

    Calling: ``firstresult``: the first reason returned wins and later plugins are not asked.
    Allowed messages then go through the frequency caps and to the provider. Journey webhook
    calls are not subject to it. Failing closed: a plugin raising an exception skips the
    message with reason ``policy_error: <exception>`` (and is logged), because a policy that
    cannot answer must not let through a message it may have been written to stop; dispatch
    goes on with the other messages.

    Added in 0.2.
    """


# --- After send ---------------------------------------------------------------------------
# Called by dispatch once its batch's outcomes are committed.


@hookspec
def touchflow_after_send(message: Message, outcome: Outcome) -> None:
    """Observe what a provider (or a journey webhook's receiver) did with a message.

    Parameters:
        message: the `channels_plugins.models.Message` as recorded: ``status`` is ``sent``,
            ``pending`` (a retry is scheduled at ``next_attempt_at``) or ``failed``, with
            ``reason`` and ``provider_message_id``.
        outcome: what the provider answered: `channels_plugins.base.Sent` (with
            ``provider_message_id``) or `channels_plugins.base.Failed` (with the normalized
            ``kind``, ``detail`` and ``retry_after``).

    Returns:
        Nothing; a returned value is ignored.

    Calling: every plugin's implementation is called (not ``firstresult``), once per message
    handed over, after the batch's outcomes are committed (``transaction.on_commit``), so an
    observer never sees an outcome that was rolled back. Messages skipped before the provider
    (no address, a policy veto, a frequency cap) are not sent and not observed here. An
    exception in one implementation is logged and swallowed; the other implementations and
    the other messages are still observed. Keep it quick: it runs in the dispatcher.

    Added in 0.2.
    """
