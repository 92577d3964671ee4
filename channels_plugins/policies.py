"""Send policies dispatch applies before handing messages to a provider.

`policy_skips` is the one entry point: a skipped message keeps its reason and the enrollment
moves on (a policy is not a failure). In order:

- the workspace's suppression list: an address listed for the channel (or for every channel)
  is never messaged, transactional or not (`suppressed`);
- addresses learnt undeliverable (a hard bounce, a provider's `invalid_recipient`; see
  `channels_plugins.unusable`), transactional or not (`invalid_recipient`);
- for marketing messages, the contact's consent (`consents[channel] is false`: `no_consent`) and
  unsubscribes (`unsubscribed[channel]` set: `unsubscribed`); transactional messages, such as
  a password reset, go regardless, as the law and users expect;
- frequency caps, on what is left.

Frequency caps (JOURNEY_FORMAT.md §1): a marketing message is skipped with reason
`frequency_capped` when the contact already had `max` sent marketing messages on that channel
within `per`, counted across every journey of the workspace. Each message is checked against
its journey's cap (carried on the message) and the workspace's default caps; transactional
messages are never capped. Counting is one aggregate query per distinct window for the whole
batch, plus what this batch itself sends, so two messages in one batch cannot both slip under
a cap of one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count

from channels_plugins.models import Message, MessageCategory
from channels_plugins.unusable import unusable_skips
from core.durations import parse_duration
from core.models import SuppressionEntry

FREQUENCY_CAPPED = "frequency_capped"
SUPPRESSED = "suppressed"
NO_CONSENT = "no_consent"
UNSUBSCRIBED = "unsubscribed"


def policy_skips(candidates: Sequence[tuple[Message, str]], now: datetime) -> dict[int, str]:
    """Message id → skip reason, for (message, resolved address) pairs about to be sent."""
    skips = suppressed(candidates)
    usable = [(message, address) for message, address in candidates if message.pk not in skips]
    skips.update(unusable_skips(usable))
    for message, _ in candidates:
        if message.pk not in skips and (reason := consent_refusal(message)) is not None:
            skips[message.pk] = reason
    remaining = [message for message, _ in candidates if message.pk not in skips]
    skips.update(capped(remaining, now))
    return skips


def consent_refusal(message: Message) -> str | None:
    if message.category != MessageCategory.MARKETING:
        return None
    contact = message.contact
    if (contact.unsubscribed or {}).get(message.channel):
        return UNSUBSCRIBED
    if (contact.consents or {}).get(message.channel) is False:
        return NO_CONSENT
    return None


def suppressed(candidates: Sequence[tuple[Message, str]]) -> dict[int, str]:
    """One query for the batch: entries matching any candidate's address."""
    addresses = {address for _, address in candidates}
    if not addresses:
        return {}
    entries = SuppressionEntry.objects.filter(
        workspace_id__in={message.workspace_id for message, _ in candidates},
        address__in=addresses,
    ).values_list("workspace_id", "channel", "address", "reason")
    listed = {(ws, channel, address): reason for ws, channel, address, reason in entries}
    skips = {}
    for message, address in candidates:
        for channel in (message.channel, ""):
            key = (message.workspace_id, channel, address)
            if key in listed:
                skips[message.pk] = f"{SUPPRESSED}: {listed[key]}" if listed[key] else SUPPRESSED
                break
    return skips


@dataclass(frozen=True)
class Cap:
    max: int
    per: timedelta
    channels: frozenset[str]
    per_text: str  # as written (ISO 8601), for the reason people read

    def describe(self) -> str:
        return f"{self.max} per {self.per_text} on {', '.join(sorted(self.channels))}"


def parse_caps(raw: Iterable[Any]) -> list[Cap]:
    """Caps from documents or workspace settings; malformed entries are ignored, not fatal
    (documents are validated at publish; workspace settings are edited by admins)."""
    caps = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        duration = parse_duration(item.get("per"))
        limit, channels = item.get("max"), item.get("channels")
        if duration is None or not isinstance(limit, int) or not isinstance(channels, list):
            continue
        per = duration.approximate()
        caps.append(Cap(limit, per, frozenset(map(str, channels)), str(item["per"])))
    return caps


def caps_for(message: Message) -> list[Cap]:
    if message.category != MessageCategory.MARKETING:
        return []
    raw = list(message.workspace.frequency_caps or [])
    if message.frequency_cap:
        raw.append(message.frequency_cap)
    return [cap for cap in parse_caps(raw) if message.channel in cap.channels]


def capped(messages: Sequence[Message], now: datetime) -> dict[int, str]:
    """Message id → skip reason, for messages a cap forbids; the rest may be sent.

    Messages are taken in the order they were written (the claim hands them over in no
    particular order): one allowed here counts against the later ones.
    """
    messages = sorted(messages, key=lambda message: (message.created_at, message.pk))
    wanted = {message.pk: caps_for(message) for message in messages}
    windows = {cap.per for caps in wanted.values() for cap in caps}
    contact_ids = list({message.contact_id for message in messages if wanted[message.pk]})
    sent: dict[timedelta, Counter[tuple[int, str]]] = {
        per: _sent_since(contact_ids, now - per) for per in windows
    }
    refused: dict[int, str] = {}
    for message in messages:
        slot = (message.contact_id, message.channel)
        over = next((cap for cap in wanted[message.pk] if sent[cap.per][slot] >= cap.max), None)
        if over is not None:
            refused[message.pk] = f"{FREQUENCY_CAPPED}: {over.describe()}"
            continue
        if message.category == MessageCategory.MARKETING:  # only marketing sends are counted
            for per in windows:
                sent[per][slot] += 1  # this batch's own sends count against later messages
    return refused


def _sent_since(contact_ids: list[int], since: datetime) -> Counter[tuple[int, str]]:
    rows = (
        Message.objects.filter(
            contact_id__in=contact_ids,
            category=MessageCategory.MARKETING,
            sent_at__gte=since,
        )
        .values("contact_id", "channel")
        .annotate(n=Count("id"))
        .values_list("contact_id", "channel", "n")
    )
    return Counter({(contact_id, channel): n for contact_id, channel, n in rows})
