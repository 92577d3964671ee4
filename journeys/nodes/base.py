"""What node handlers receive and return.

A handler is a pure function `handle(visit) -> Transition`: no database, no clock, no I/O.
The walker gathers everything a visit may need (the contact, the enrollment's data, facts for
rules) for a whole batch up front, runs the handlers, and writes their effects back in bulk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from core.rules.evaluation import ContactSnapshot, Facts

AWAITING = "awaiting"  # enrollment data while parked: the event or outcome that may wake it


@dataclass(frozen=True)
class JourneyInfo:
    id: int
    name: str
    quiet_hours: Mapping[str, str] | None  # the journey's, else the workspace's default
    frequency_cap: Mapping[str, Any] | None = None  # the journey's; dispatch enforces it


@dataclass(frozen=True)
class SentMessage:
    """What the step knows of the message a send node wrote in this enrollment."""

    id: int
    status: str
    sent_at: datetime | None


class Visit(NamedTuple):
    """One visit to one node: everything its handler may read.

    A NamedTuple, not a dataclass: the walker builds one per node visit, and a frozen
    dataclass's constructor cost a tenth of a whole step.
    """

    node: Mapping[str, Any]
    contact: ContactSnapshot
    template_contact: Mapping[str, Any]  # plain data templates see as `contact`
    zone: ZoneInfo  # the contact's timezone, else the workspace's
    now: datetime
    arrived_at: datetime  # when this visit to the node began
    data: Mapping[str, Any]  # the enrollment's persisted context
    event: Mapping[str, Any] | None  # the triggering event: {"name", "properties"}
    journey: JourneyInfo
    facts: Facts
    messages: Mapping[str, SentMessage] = MappingProxyType({})  # by send node id
    wired_ports: frozenset[str] = frozenset()  # this node's ports that have an edge

    @property
    def config(self) -> Mapping[str, Any]:
        config: Mapping[str, Any] = self.node.get("config") or {}
        return config


# --- Effects: what a step asks the walker to write ----------------------------------------


class SendMessage(NamedTuple):
    """A message to write to the outbox (a NamedTuple, as `Advance` is)."""

    channel: str
    account: str
    category: str
    content: Mapping[str, Any]
    error: str = ""  # a template that failed to render: the message fails as content_rejected
    frequency_cap: Mapping[str, Any] | None = None  # the journey's, for marketing messages


@dataclass(frozen=True)
class ChangeContact:
    """What an `update_contact` node does to a contact, kept as a change rather than a result
    so it can be applied again to the row as it is when written (never a stale copy)."""

    set_attributes: Mapping[str, Any] = field(default_factory=dict)
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()

    def applied_to(
        self, attributes: Mapping[str, Any], tags: Sequence[str]
    ) -> tuple[dict[str, Any], list[str]]:
        """The attributes and tags after this change; the inputs are left as they were."""
        changed_tags = [tag for tag in tags if tag not in self.remove_tags]
        changed_tags.extend(tag for tag in self.add_tags if tag not in changed_tags)
        return {**attributes, **self.set_attributes}, changed_tags


@dataclass(frozen=True)
class CallWebhook:
    """An outbox item delivered by dispatch like a message, with retries."""

    request: Mapping[str, Any]  # {"url", "method", "headers", "body"}, rendered
    error: str = ""  # a template that failed to render: the call fails as content_rejected


Effect = SendMessage | ChangeContact | CallWebhook


# --- Transitions ----------------------------------------------------------------------------


class Advance(NamedTuple):
    """Leave the node through `port` now.

    A NamedTuple, as `Visit` is: most visits make one, and a frozen dataclass's constructor
    cost twice as much (0.69 against 0.37 µs). Its empty defaults are read-only, shared.
    """

    port: str
    effects: tuple[Effect, ...] = ()
    data: Mapping[str, Any] = MappingProxyType({})  # merged into the enrollment's data
    detail: Mapping[str, Any] = MappingProxyType({})  # for the step log


@dataclass(frozen=True)
class Sleep:
    """Stay on this node and visit it again at `until`."""

    until: datetime
    reason: str


@dataclass(frozen=True)
class AwaitEvent:
    """Stay on this node until a matching event arrives (`received`) or `timeout_at`."""

    event: str
    where: Mapping[str, Any]  # property equality
    message_node: str | None  # the event must concern the message this send node sent
    timeout_at: datetime


@dataclass(frozen=True)
class AwaitOutcome:
    """Write `effects` (the node's outbox item, on the first visit) and stay until its outcome.

    Dispatch wakes the enrollment when the outcome is recorded; `recheck_at` is the safety net
    should that wake be lost (the enrollment was held by a walker at that instant).
    """

    recheck_at: datetime
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True)
class Finish:
    """End the enrollment with `status` (completed at an exit)."""

    status: str


Transition = Advance | Sleep | AwaitEvent | AwaitOutcome | Finish
