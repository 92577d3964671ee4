"""The hooks Touchflow calls; the entry point `chatops` names this module.

Registration hands over the channel and provider objects; the address hook says where a
contact is reached on the channel. Sending lives on the provider (`provider.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from channels_plugins.base import Channel, Provider
from channels_plugins.hookspecs import hookimpl
from touchflow_chatops.provider import CHATOPS, CHATOPS_WEBHOOK

if TYPE_CHECKING:
    from core.models import Contact

USER_ATTRIBUTE = "chatops_user"


@hookimpl
def touchflow_register_channels(register: Callable[[Channel], None]) -> None:
    register(CHATOPS)


@hookimpl
def touchflow_register_providers(register: Callable[[Provider], None]) -> None:
    register(CHATOPS_WEBHOOK)


@hookimpl
def touchflow_resolve_address(contact: Contact, channel: str) -> str | None:
    """The contact's chat user id; other channels are not ours (None)."""
    if channel != CHATOPS.name:
        return None
    user = (contact.attributes or {}).get(USER_ATTRIBUTE)
    return user if isinstance(user, str) and user else None
