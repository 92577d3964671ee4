"""The `sandbox` provider: serves every channel and records messages instead of sending them.

Demos and tests use it so a journey can run end to end with no outside service. It takes no
credentials; its optional config is about how it behaves, never secrets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from channels_plugins.base import OutboundMessage, Outcome, Provider, Sent
from channels_plugins.hookspecs import hookimpl


class SandboxProvider(Provider):
    def send(self, config: Mapping[str, Any], messages: Sequence[OutboundMessage]) -> list[Outcome]:
        """Accept everything; the outbox row itself is the record of what was "sent"."""
        return [Sent(f"sandbox-{message.id}") for message in messages]


SANDBOX = SandboxProvider(
    name="sandbox",
    title="Sandbox",
    description="Records messages instead of sending them.",
    channels=("*",),  # every channel, third-party ones included
    max_batch_size=100,  # batches exercise dispatch's grouping; no rate limit unless configured
    config_schema={
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "note": {
                "type": "string",
                "title": "Note",
                "description": "Why this account exists, for people reading the account list.",
            },
        },
    },
)


@hookimpl(trylast=True)
def touchflow_register_providers(register: Callable[[Provider], None]) -> None:
    register(SANDBOX)
