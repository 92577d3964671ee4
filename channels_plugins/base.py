"""The typed objects plugins register: channels and providers.

A channel (`sms`, `push`, `wechat`, `email`, or a new one) is what a journey's send node
names; its `params_schema` is the form the canvas draws and the check publishing runs. A
provider (`sandbox`, `aliyun`, `smtp`, …) is who delivers on a channel; its `config_schema`
validates a workspace's channel account. Sending, receipts and tracking are added to
`Provider` by the delivery milestone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

JSONSchema = Mapping[str, Any]


@dataclass(frozen=True)
class Channel:
    name: str
    title: str
    description: str
    params_schema: JSONSchema

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "params_schema": dict(self.params_schema),
        }


@dataclass(frozen=True)
class OutboundMessage:
    """What a provider needs to deliver one message."""

    id: int
    to: str  # the address on this channel: a phone number, token, email or openid
    content: Mapping[str, Any]  # the rendered params
    idempotency_key: str  # providers that accept one get it, so a retry cannot duplicate


@dataclass(frozen=True)
class Sent:
    provider_message_id: str


@dataclass(frozen=True)
class Failed:
    """A normalized failure (ARCHITECTURE.md §3): the engine acts on `kind`, never on codes."""

    kind: str  # auth, rate_limited, recipient_capped, invalid_recipient, content_rejected,
    # config or transient
    detail: str = ""
    retry_after: float | None = None


Outcome = Sent | Failed


@dataclass(frozen=True)
class Provider:
    name: str
    title: str
    channels: tuple[str, ...]  # the channels served; ("*",) serves every registered channel
    config_schema: JSONSchema
    description: str = ""
    plugin: str = field(default="", compare=False)  # filled in by the registry

    def secret_fields(self) -> frozenset[str]:
        """Top-level config fields marked writeOnly: stored, never returned."""
        properties: Mapping[str, Any] = self.config_schema.get("properties", {})
        return frozenset(
            name
            for name, spec in properties.items()
            if isinstance(spec, Mapping) and spec.get("writeOnly") is True
        )

    def send(self, config: Mapping[str, Any], messages: Sequence[OutboundMessage]) -> list[Outcome]:
        """Deliver a batch; one outcome per message, in order. Never sleep or retry here:
        the dispatcher owns backoff. A provider that registers without sending cannot be used
        by dispatch, which fails its messages with kind `config`."""
        raise NotImplementedError(f"Provider {self.name!r} does not send messages.")

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "plugin": self.plugin,
            "config_schema": dict(self.config_schema),
        }
