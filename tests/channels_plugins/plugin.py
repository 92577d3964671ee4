"""A third-party plugin for tests: a chat channel and a provider with secrets.

It implements every hook Touchflow declares (test_docs checks), so a new hookspec must be
added here too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from channels_plugins.base import Channel, Outcome, Provider
from channels_plugins.hookspecs import hookimpl
from channels_plugins.models import ChannelAccount, Message
from core.models import Contact

SECRET = "sk-very-secret-value"
CHAT_PLUGIN_HOOKS = [  # sorted, as the registry lists them
    "touchflow_after_send",
    "touchflow_register_channels",
    "touchflow_register_providers",
    "touchflow_resolve_address",
    "touchflow_send_policy",
]
NESTED_SECRET = "oauth-client-secret-value"


def prop(title: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "title": title, "description": f"{title}, for tests.", **extra}


CHAT = Channel(
    name="chat",
    title="Team chat",
    description="A message to a chat room.",
    params_schema={
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "required": ["text"],
        "properties": {"text": prop("Text", minLength=1)},
    },
)
CHATOPS = Provider(
    name="chatops",
    title="ChatOps",
    channels=("chat", "sms"),
    config_schema={
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "required": ["api_key"],
        "properties": {
            "api_key": prop("API key", writeOnly=True),
            "sender": prop("Sender"),
            "oauth": {
                "type": "object",
                "title": "OAuth client",
                "description": "An OAuth client, for tests of nested secrets.",
                "additionalProperties": False,
                "required": ["client_id"],
                "properties": {
                    "client_id": prop("Client id"),
                    "client_secret": prop("Client secret", writeOnly=True),
                },
            },
        },
    },
)


class ChatPlugin:
    """Chat addresses come from the `chat_handle` attribute; contacts tagged `muted` get
    nothing; every provider answer is kept in `observed`."""

    __version__ = "1.2.3"

    def __init__(self) -> None:
        self.observed: list[tuple[int, str, Outcome]] = []

    @hookimpl
    def touchflow_register_channels(self, register: Callable[[Channel], None]) -> None:
        register(CHAT)

    @hookimpl
    def touchflow_register_providers(self, register: Callable[[Provider], None]) -> None:
        register(CHATOPS)

    @hookimpl
    def touchflow_resolve_address(self, contact: Contact, channel: str) -> str | None:
        if channel != "chat":
            return None
        handle = (contact.attributes or {}).get("chat_handle")
        return handle if isinstance(handle, str) else None

    @hookimpl
    def touchflow_send_policy(
        self, message: Message, contact: Contact, account: ChannelAccount, now: datetime
    ) -> str | None:
        return "muted" if "muted" in (contact.tags or []) else None

    @hookimpl
    def touchflow_after_send(self, message: Message, outcome: Outcome) -> None:
        self.observed.append((message.pk, message.status, outcome))
