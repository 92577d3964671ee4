"""Names a document borrows from its workspace: channels, channel accounts and segments.

The document only names them (secrets stay in the account), so the caller passes what the
workspace has as `References`; this module stays free of Django and the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from jsonschema.validators import validator_for

from core.jsonpointer import pointer, pointer_from
from core.rules.validation import iter_leaves
from journeys.validation.errors import DocumentError
from journeys.validation.model import Journey, Node, is_name, obj, rules_of
from journeys.validation.schema import located_errors


@dataclass(frozen=True)
class References:
    """What the workspace offers, as the validator needs it."""

    channels: Mapping[str, Mapping[str, Any]]  # channel name -> its params JSON Schema
    accounts: Mapping[str, str]  # account name -> the account's channel
    segments: AbstractSet[str]  # segment keys of the workspace


def reference_errors(journey: Journey, references: References) -> list[DocumentError]:
    errors = list(_frequency_cap_channels(journey, references))
    for node in journey.nodes:
        if node.type == "send":
            errors.extend(_send(node, references))
        errors.extend(_segments(node, references))
    return errors


def _send(node: Node, references: References) -> Iterator[DocumentError]:
    channel = node.config.get("channel")
    channel = channel if is_name(channel) else None
    if channel is not None and channel not in references.channels:
        yield _unknown_channel(channel, references, node.id, node.at("channel"))
        channel = None
    account = node.config.get("account")
    if is_name(account):
        owner = references.accounts.get(account)
        if owner is None:
            yield DocumentError(
                "account.unknown",
                f"This workspace has no channel account named {account!r}.",
                node.id,
                node.at("account"),
            )
        elif channel is not None and owner != channel:
            yield DocumentError(
                "account.channel_mismatch",
                f"Account {account!r} sends on {owner!r}, not on {channel!r}.",
                node.id,
                node.at("account"),
            )
    params = node.config.get("params")
    if channel is not None and isinstance(params, dict):
        yield from _params(node, references.channels[channel], params)


def _params(
    node: Node, params_schema: Mapping[str, Any], params: dict[str, Any]
) -> Iterator[DocumentError]:
    validator = validator_for(params_schema)(params_schema)
    for location, message, _ in located_errors(validator, params):
        yield DocumentError(
            "params.invalid", message, node.id, pointer(node.at("params"), *location)
        )


def _segments(node: Node, references: References) -> Iterator[DocumentError]:
    if node.type == "entry":
        trigger = obj(node.config.get("trigger"))
        if trigger.get("kind") in ("segment", "schedule"):
            yield from _segment(
                trigger.get("segment"), references, node, node.at("trigger", "segment")
            )
    for path, rule in rules_of(node):
        for leaf_path, leaf in iter_leaves(rule, path):
            yield from _segment(leaf.get("segment"), references, node, f"{leaf_path}/segment")


def _segment(key: Any, references: References, node: Node, path: str) -> Iterator[DocumentError]:
    if is_name(key) and key not in references.segments:
        yield DocumentError(
            "segment.unknown", f"This workspace has no segment {key!r}.", node.id, path
        )


def _frequency_cap_channels(journey: Journey, references: References) -> Iterator[DocumentError]:
    channels = obj(journey.settings.get("frequency_cap")).get("channels")
    if not isinstance(channels, list):
        return
    for index, channel in enumerate(channels):
        if is_name(channel) and channel not in references.channels:
            path = pointer_from(("settings", "frequency_cap", "channels", index))
            yield _unknown_channel(channel, references, None, path)


def _unknown_channel(
    channel: str, references: References, node_id: str | None, path: str
) -> DocumentError:
    known = ", ".join(sorted(references.channels)) or "none"
    return DocumentError(
        "channel.unknown", f"Unknown channel {channel!r} (available: {known}).", node_id, path
    )
