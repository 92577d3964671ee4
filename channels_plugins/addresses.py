"""Where a contact is reached on each built-in channel.

Push tokens name their provider: an account only uses tokens of its own provider (a Huawei
token means nothing to FCM), except the sandbox, which takes any. Plugins will resolve
addresses for their own channels through a hook in the delivery milestone.
"""

from __future__ import annotations

from core.models import Contact


def address_for(contact: Contact, channel: str, provider: str) -> str | None:
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
