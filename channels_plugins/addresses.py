"""Where a contact is reached on a channel: plugins first, then the built-in channels.

A plugin answers through `touchflow_resolve_address` (its own channel's chat user id, or a
better phone number for `sms`); when none does, the built-in rules apply. Push tokens name
their provider: an account only uses tokens of its own provider (a Huawei token means nothing
to FCM), except the sandbox, which takes any.
"""

from __future__ import annotations

from channels_plugins.registry import get_registry
from core.models import Contact


def address_for(contact: Contact, channel: str, provider: str) -> str | None:
    """The address, or None when the contact cannot be reached there.

    Raises `channels_plugins.registry.PluginHookError` when a plugin's resolver raises.
    """
    resolved = get_registry().resolve_address(contact=contact, channel=channel, provider=provider)
    return resolved if resolved is not None else builtin_address(contact, channel, provider)


def builtin_address(contact: Contact, channel: str, provider: str) -> str | None:
    if channel == "push":
        for token in contact.push_tokens or []:
            if isinstance(token, dict) and (
                provider == "sandbox" or token.get("provider") == provider
            ):
                value = token.get("token")
                if isinstance(value, str) and value:
                    return value
        return None
    value = {"sms": contact.phone, "email": contact.email, "wechat": contact.wechat_openid}.get(
        channel, ""
    )
    return value or None
