"""The typed objects plugins register: channels and providers.

A channel (`sms`, `push`, `wechat`, `email`, or a new one) is what a journey's send node
names; its `params_schema` is the form the canvas draws and the check publishing runs. A
provider (`sandbox`, `aliyun`, `smtp`, …) is who delivers on a channel; its `config_schema`
validates a workspace's channel account. Both schemas are JSON Schema draft 2020-12, closed,
with a title and description on every property (`channels_plugins.testing` checks that).

`Provider.send` and the message types below it exist for the minimal dispatch the engine
milestone needed; the delivery milestone replaces them with the batch send protocol
(receipts, normalized errors, retries owned by the dispatcher).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

JSONSchema = Mapping[str, Any]
SecretPath = tuple[str, ...]  # keys from the config's root down to a writeOnly value


@dataclass(frozen=True)
class Channel:
    """A way of reaching a contact; journeys' send nodes name it by `name`."""

    name: str  # lower-case identifier, e.g. "sms"; unique across plugins (touchflow.E001)
    title: str  # shown on the canvas palette
    description: str
    params_schema: JSONSchema  # validates a send node's `params`; every string is a template

    def as_dict(self) -> dict[str, Any]:
        """A copy safe to hand out: callers cannot edit the registered schema through it."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "params_schema": copy.deepcopy(dict(self.params_schema)),
        }


@dataclass(frozen=True)
class OutboundMessage:
    """What a provider needs to deliver one message."""

    id: int
    to: str  # the address on this channel: a phone number, token, email or openid
    content: Mapping[str, Any]  # the rendered params
    idempotency_key: str  # providers that accept one get it, so a retry cannot duplicate
    # Where the contact leaves this channel in one click (marketing email only; `tracking`);
    # email providers put it in List-Unsubscribe. Empty: the message offers none.
    unsubscribe_url: str = ""


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
    """Who delivers on one or more channels; a workspace's `ChannelAccount` configures it."""

    name: str  # e.g. "aliyun"; unique per channel (touchflow.E003)
    title: str
    channels: tuple[str, ...]  # the channels served; ("*",) serves every registered channel
    config_schema: JSONSchema  # validates an account's config; secrets marked "writeOnly": true
    description: str = ""
    # The registering plugin's name. The registry fills it on its own copy of the object, so a
    # plugin never sets it and one object registered by two plugins keeps both names apart.
    plugin: str = field(default="", compare=False)

    def secret_paths(self) -> tuple[SecretPath, ...]:
        """Where the writeOnly values are: stored, never returned, kept when left out.

        Followed through nested object `properties`; a writeOnly object hides all of itself.
        """
        return tuple(_write_only_paths(self.config_schema, ()))

    def secret_fields(self) -> frozenset[str]:
        """Top-level config fields marked writeOnly."""
        return frozenset(path[0] for path in self.secret_paths() if len(path) == 1)

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
            "config_schema": copy.deepcopy(dict(self.config_schema)),
        }


def _write_only_paths(schema: Any, prefix: SecretPath) -> Iterator[SecretPath]:
    if not isinstance(schema, Mapping):
        return
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return
    for name, spec in properties.items():
        if not isinstance(spec, Mapping):
            continue
        if spec.get("writeOnly") is True:
            yield (*prefix, name)
        else:
            yield from _write_only_paths(spec, (*prefix, name))
