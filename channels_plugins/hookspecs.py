"""The hooks Touchflow plugins implement. Every hook is documented in docs/plugins.md.

Few hooks, shaped like data: a plugin hands typed objects (`Channel`, `Provider`) to a
`register` callback, and behaviour lives on those objects rather than in more hooks (the
pattern of llm and tox). Hooks are grouped by purpose; later versions add their groups below
(address resolution, a send-policy veto, after-send observation), each hook prefixed
`touchflow_` and called only through the typed facade in `channels_plugins.registry`.

Hooks are called with keyword arguments; an implementation may accept any subset of a hook's
parameters, by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from channels_plugins.base import Channel, Provider

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
