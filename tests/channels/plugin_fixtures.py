"""A third-party plugin for tests: a chat channel and a provider with a secret."""

from __future__ import annotations

from collections.abc import Callable

from channels_plugins.base import Channel, Provider
from channels_plugins.hookspecs import hookimpl

CHAT = Channel(
    name="chat",
    title="Team chat",
    description="A message to a chat-app webhook.",
    params_schema={
        "type": "object",
        "additionalProperties": False,
        "required": ["text"],
        "properties": {"text": {"type": "string", "title": "Text", "description": "The text."}},
    },
)
CHATOPS = Provider(
    name="chatops",
    title="ChatOps",
    channels=("chat", "sms"),
    config_schema={
        "type": "object",
        "additionalProperties": False,
        "required": ["api_key"],
        "properties": {
            "api_key": {
                "type": "string",
                "title": "API key",
                "description": "Secret.",
                "writeOnly": True,
            },
            "sender": {"type": "string", "title": "Sender", "description": "Shown name."},
        },
    },
)


class ChatPlugin:
    __version__ = "1.2.3"

    @hookimpl
    def touchflow_register_channels(self, register: Callable[[Channel], None]) -> None:
        register(CHAT)

    @hookimpl
    def touchflow_register_providers(self, register: Callable[[Provider], None]) -> None:
        register(CHATOPS)
