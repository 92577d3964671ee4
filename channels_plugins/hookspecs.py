"""The hooks Touchflow plugins implement. Every hook is documented in docs/plugins.md.

Few hooks, shaped like data: a plugin hands typed objects (`Channel`, `Provider`) to a
`register` callback, and behaviour lives on those objects rather than in more hooks. Later
versions add hooks for address resolution, a send-policy veto and after-send observation in
their own groups below.
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


@hookspec
def touchflow_register_channels(register: Callable[[Channel], None]) -> None:
    """Register the channels this plugin adds.

    Call ``register(channel)`` once per `channels_plugins.base.Channel`. A channel declares the
    `params_schema` its send nodes are validated against. Every implementation is called
    (not firstresult); the return value is ignored. Two plugins registering the same channel
    name is a configuration error reported by system check ``touchflow.E001``.

    Added in 0.1.
    """


@hookspec
def touchflow_register_providers(register: Callable[[Provider], None]) -> None:
    """Register the providers this plugin adds.

    Call ``register(provider)`` once per `channels_plugins.base.Provider`. A provider serves
    one or more channels and declares the `config_schema` its channel accounts are validated
    against (secret fields marked ``"writeOnly": true``). Every implementation is called (not
    firstresult); the return value is ignored. A provider for a channel no plugin registers is
    reported by system check ``touchflow.E002``; a duplicate (channel, provider name) pair by
    ``touchflow.E003``.

    Added in 0.1.
    """
