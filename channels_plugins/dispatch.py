"""Dispatch: hand due outbox items to their account's provider (or, for webhooks, to HTTP).

Messages are claimed under a lease (`sending` with `next_attempt_at` as the lease's end), so
two dispatchers never send one message. A message whose lease runs out while `sending` (its
dispatcher died between handing it over and recording the outcome) is claimed again with the
same idempotency key; it is flagged `possible_duplicate`, a mark that stays on the message
whatever happens next, and counted, never silent. Transient and rate-limited failures are
retried with exponential backoff and jitter (honouring `retry_after`) up to MAX_ATTEMPTS; other
failures are final. Plugins may supply addresses and veto messages (`touchflow_send_policy`); then
suppressed addresses, missing consent and frequency caps skip (`policies`). Once an outcome
settles, `outbox_settled` tells the engine, which wakes enrollments waiting on it, and after
commit `touchflow_after_send` shows plugins what each provider answered.

Per account, dispatch also holds messages (pending, a `held: …` reason, the attempt given
back) outside a channel's legal sending hours, while the account's circuit breaker is open and
beyond its rate limit (`gates`), and sends in batches of the provider's `max_batch_size`.
docs/dispatch.md describes the controls.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from channels_plugins import gates
from channels_plugins.addresses import address_for
from channels_plugins.base import Failed, OutboundMessage, Outcome, Provider, RateLimit, Sent
from channels_plugins.models import ChannelAccount, Message, MessageCategory, MessageStatus
from channels_plugins.policies import policy_skips
from channels_plugins.receipt_hook import receipt_url
from channels_plugins.registry import PluginHookError, get_registry
from channels_plugins.tracking import outbound_message
from channels_plugins.unusable import INVALID_RECIPIENT, mark_address_unusable
from channels_plugins.webhooks import WEBHOOK_CHANNEL, call_webhooks
from core.bulk import update_rows
from core.leases import ClaimQuery, claim_rows
from core.models import Workspace
from core.timing import first_zone, window_opening

SEND_LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
RETRYABLE_KINDS = frozenset({"transient", "rate_limited"})
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
POSSIBLE_DUPLICATE = "possible_duplicate"
HELD_LEGAL_HOURS = "legal_hours"
HELD_CIRCUIT_OPEN = "circuit_open"
HELD_RATE_LIMIT = "rate_limit"
DUE_MESSAGES = ClaimQuery(
    table="channels_plugins_message",
    due=(
        "(status = %s AND (next_attempt_at IS NULL OR next_attempt_at <= %s))"
        " OR (status = %s AND next_attempt_at <= %s)"
    ),
    order_by="id",
    # SET expressions read the row as it was: a row still `sending` had its lease run out.
    assign=(
        "reason = CASE WHEN status = %s THEN %s ELSE reason END,"
        " status = %s, next_attempt_at = %s, attempts = attempts + 1"
    ),
)

# Sent (sender=Message) with `messages` and `now`: items whose outcome just settled (sent,
# failed after the last attempt, skipped). Journeys listen, to wake enrollments waiting on one.
outbox_settled = Signal()


Routed = tuple[Message, OutboundMessage]  # a message and what its provider will be given


@dataclass
class DispatchReport:
    dispatched: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0  # failed transiently; pending again with a later next_attempt_at
    held: int = 0  # not attempted (legal hours, circuit open, rate limit); pending for later
    possible_duplicates: int = 0
    drained: bool = True  # False when max_batches stopped it with messages still due


def claim_messages(now: datetime, limit: int) -> list[int]:
    pending, sending = str(MessageStatus.PENDING), str(MessageStatus.SENDING)
    return claim_rows(
        DUE_MESSAGES,
        due_params=[pending, now, sending, now],
        assign_params=[sending, POSSIBLE_DUPLICATE, sending, now + SEND_LEASE],
        limit=limit,
    )


def dispatch_due(
    now: datetime, *, limit: int = 500, max_batches: int | None = None
) -> DispatchReport:
    """Send every message due at `now`, a batch at a time (at most `max_batches`)."""
    report = DispatchReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        ids = claim_messages(now, limit)
        if not ids:
            return report
        _dispatch_batch(ids, now, report)
        batches += 1
    report.drained = False
    return report


def _dispatch_batch(ids: list[int], now: datetime, report: DispatchReport) -> None:
    """Settle, hold or hand over each claimed message, then save them all at once."""
    messages = _load(ids)
    webhooks, by_account = _route(messages, now, report)
    handed_over = _send_accounts(by_account, now, report)
    handed_over += _call_webhooks(webhooks, now, report)
    _save(messages, now)
    if handed_over:
        transaction.on_commit(lambda: _observe(handed_over))


def _load(ids: list[int]) -> list[Message]:
    """The claimed messages with their contacts. A batch's messages share a few accounts and
    workspaces: each is loaded once and shared, not joined into every row (that built, and
    parsed the JSON config of, one account and one workspace object per message: about a
    third of dispatch's time for big provider batches). Messages come in id order, the
    order they were claimed and created in, whatever join the planner picks."""
    messages = list(Message.objects.filter(pk__in=ids).select_related("contact").order_by("id"))
    accounts = ChannelAccount.objects.in_bulk({m.account_id for m in messages if m.account_id})
    workspaces = Workspace.objects.in_bulk({m.workspace_id for m in messages})
    for message in messages:
        message.workspace = workspaces[message.workspace_id]
        if message.account_id is not None:
            message.account = accounts.get(message.account_id)
    return messages


def _route(
    messages: list[Message], now: datetime, report: DispatchReport
) -> tuple[list[Message], dict[int, list[Routed]]]:
    """Webhook calls, and the account messages still to send grouped by account; every other
    message is settled or held here."""
    webhooks: list[Message] = []
    by_account: dict[int, list[Routed]] = defaultdict(list)
    for message in messages:
        report.dispatched += 1
        if message.reason == POSSIBLE_DUPLICATE:  # set by this claim: its lease had run out
            message.possible_duplicate = True
            report.possible_duplicates += 1
        if message.channel == WEBHOOK_CHANNEL and message.account is None:
            webhooks.append(message)
        elif message.account is None:
            _record(message, Failed("config", "the account no longer exists"), now, report)
        elif (outbound := _prepare(message, now, report)) is not None:
            by_account[message.account.pk].append((message, outbound))
    return webhooks, by_account


def _prepare(message: Message, now: datetime, report: DispatchReport) -> OutboundMessage | None:
    """The message as its provider gets it, or None when it was skipped or held."""
    account = message.account
    assert account is not None
    try:
        to = address_for(message.contact, message.channel, account.provider)
    except PluginHookError as exc:
        _skip(message, f"address_error: {exc}"[:200], report)
        return None
    if to is None:
        _skip(message, "no_address", report)
        return None
    veto = get_registry().send_policy(
        message=message, contact=message.contact, account=account, now=now
    )
    if veto is not None:
        _skip(message, veto, report)
        return None
    if (opening := legal_hours_opening(message, now)) is not None:
        _hold(message, opening, HELD_LEGAL_HOURS, report)
        return None
    return _outbound(message, to)


def _outbound(message: Message, to: str) -> OutboundMessage:
    """Tracked links, pixel and unsubscribe, and where the provider reports on the message."""
    outbound = outbound_message(message, to)
    assert message.account is not None
    return replace(outbound, receipt_url=receipt_url(message.account))


def legal_hours_opening(message: Message, now: datetime) -> datetime | None:
    """When the channel's legal sending hours next open for this marketing message, in the
    contact's timezone (else the workspace's); None when it may go now."""
    if message.category != MessageCategory.MARKETING:
        return None
    channel = get_registry().channel(message.channel)
    if channel is None or channel.legal_hours is None:
        return None
    zone = first_zone(message.contact.timezone, message.workspace.timezone)
    return window_opening(now, *channel.legal_hours, zone)


def _send_accounts(
    by_account: dict[int, list[Routed]], now: datetime, report: DispatchReport
) -> list[tuple[Message, Outcome]]:
    """Apply the send policies across all accounts, then send what is left, account by account."""
    candidates = [(message, out.to) for batch in by_account.values() for message, out in batch]
    refused = policy_skips(candidates, now)
    handed_over: list[tuple[Message, Outcome]] = []
    for batch in by_account.values():
        allowed = []
        for message, outbound in batch:
            if message.pk in refused:
                _skip(message, refused[message.pk], report)
            else:
                allowed.append((message, outbound))
        if allowed:
            handed_over += _send_account(allowed, now, report)
    return handed_over


def _send_account(
    batch: list[Routed], now: datetime, report: DispatchReport
) -> list[tuple[Message, Outcome]]:
    """Through the account's breaker and rate limit, then to its provider in batches."""
    account = batch[0][0].account
    assert account is not None
    provider = get_registry().provider(account.channel, account.provider)
    if provider is None:
        failure = Failed("config", f"no provider {account.provider!r}")
        return [_settle(message, failure, now, report) for message, _ in batch]
    admission = gates.admit(account.pk, now)
    admitted = _admitted(batch, admission, report)
    batch = _within_rate_limit(
        admitted, account.pk, provider.rate_limit(account.config), now, report
    )
    if admission.probe and admitted and not batch:  # the probe itself waits for a token
        gates.abandon_probe(account.pk, admitted[0][0].next_attempt_at or now)
    return _hand_over(batch, account, provider, admission, now, report)


def _hand_over(
    batch: list[Routed],
    account: ChannelAccount,
    provider: Provider,
    admission: gates.Admission,
    now: datetime,
    report: DispatchReport,
) -> list[tuple[Message, Outcome]]:
    """One `send` per provider batch; each outcome is recorded on its message and counted by
    the account's breaker."""
    handed_over = []
    counting = admission.counting
    for chunk in _chunks(batch, provider.max_batch_size):
        outcomes = _provider_outcomes(provider, account.config, chunk)
        counting = gates.record(account.pk, outcomes, now, probe=admission.probe, counting=counting)
        for (message, outbound), outcome in zip(chunk, outcomes, strict=True):
            handed_over.append(_settle(message, outcome, now, report))
            _forget_dead_address(message, outbound, outcome)
    return handed_over


def _admitted(
    batch: list[Routed], admission: gates.Admission, report: DispatchReport
) -> list[Routed]:
    """What the circuit breaker lets through; the rest is held until it may try again."""
    if admission.allowed is None:
        return batch
    assert admission.hold_until is not None
    for message, _ in batch[admission.allowed :]:
        _hold(message, admission.hold_until, HELD_CIRCUIT_OPEN, report)
    return batch[: admission.allowed]


def _within_rate_limit(
    batch: list[Routed],
    account_id: int,
    limit: RateLimit | None,
    now: datetime,
    report: DispatchReport,
) -> list[Routed]:
    """The messages the account's token bucket has room for; the rest wait for their token."""
    if limit is None or not batch:
        return batch
    grant = gates.take(account_id, limit, len(batch), now)
    for (message, _), wait in zip(batch[grant.granted :], grant.waits, strict=True):
        _hold(message, wait, HELD_RATE_LIMIT, report)
    return batch[: grant.granted]


def _chunks(batch: list[Routed], size: int) -> Iterator[list[Routed]]:
    for start in range(0, len(batch), size):
        yield batch[start : start + size]


def _call_webhooks(
    webhooks: list[Message], now: datetime, report: DispatchReport
) -> list[tuple[Message, Outcome]]:
    calls = [(message.content, message.idempotency_key) for message in webhooks]
    outcomes = call_webhooks(calls)
    return [
        _settle(message, outcome, now, report)
        for message, outcome in zip(webhooks, outcomes, strict=True)
    ]


def _settle(
    message: Message, outcome: Outcome, now: datetime, report: DispatchReport
) -> tuple[Message, Outcome]:
    """Record a provider's (or webhook's) answer; the pair is what observers are shown."""
    _record(message, outcome, now, report)
    return message, outcome


def _forget_dead_address(message: Message, outbound: OutboundMessage, outcome: Outcome) -> None:
    """An `invalid_recipient` answer makes that address unusable on the channel: the policies
    skip later messages to it instead of paying the provider to refuse them again."""
    if isinstance(outcome, Failed) and outcome.kind == INVALID_RECIPIENT:
        mark_address_unusable(
            workspace_id=message.workspace_id,
            channel=message.channel,
            address=outbound.to,
            contact_id=message.contact_id,
            reason=message.reason,
        )


def _save(messages: list[Message], now: datetime) -> None:
    """Write every message's new state and tell the engine which ones settled."""
    with transaction.atomic():
        update_rows(
            messages,
            [
                "status",
                "reason",
                "sent_at",
                "provider_message_id",
                "next_attempt_at",
                "attempts",
                "possible_duplicate",
            ],
        )
        settled = [m for m in messages if m.status != MessageStatus.PENDING]
        if settled:
            outbox_settled.send(sender=Message, messages=settled, now=now)


def _observe(handed_over: list[tuple[Message, Outcome]]) -> None:
    registry = get_registry()
    for message, outcome in handed_over:
        registry.after_send(message=message, outcome=outcome)


def _skip(message: Message, reason: str, report: DispatchReport) -> None:
    message.status, message.reason = MessageStatus.SKIPPED, reason
    message.next_attempt_at = None
    report.skipped += 1


def _hold(message: Message, until: datetime, why: str, report: DispatchReport) -> None:
    """Keep the message pending until `until`: a hold is not an attempt, so the claim's count
    is given back."""
    message.status, message.next_attempt_at = MessageStatus.PENDING, until
    message.attempts -= 1
    message.reason = f"held: {why}"
    report.held += 1


def _provider_outcomes(
    provider: Provider, config: Mapping[str, Any], batch: list[Routed]
) -> list[Outcome]:
    """One `send` call for the batch: one outcome per message, in order."""
    try:
        return provider.send(provider.own_config(config), [outbound for _, outbound in batch])
    except NotImplementedError as exc:
        return [Failed("config", str(exc))] * len(batch)


def _record(message: Message, outcome: Outcome, now: datetime, report: DispatchReport) -> None:
    """Apply one outcome: sent, retry later, or fail for good."""
    if isinstance(outcome, Sent):
        message.status, message.sent_at = MessageStatus.SENT, now
        message.provider_message_id = outcome.provider_message_id
        message.next_attempt_at = None
        # An earlier attempt's "retrying after …" no longer applies; a duplicate still may.
        message.reason = POSSIBLE_DUPLICATE if message.possible_duplicate else ""
        report.sent += 1
        return
    reason = f"{outcome.kind}: {outcome.detail}" if outcome.detail else outcome.kind
    if outcome.kind in RETRYABLE_KINDS and message.attempts < MAX_ATTEMPTS:
        message.status, message.reason = MessageStatus.PENDING, f"retrying after {reason}"
        message.next_attempt_at = now + retry_delay(message.attempts, outcome.retry_after)
        report.retried += 1
        return
    message.status, message.reason = MessageStatus.FAILED, reason
    message.next_attempt_at = None
    report.failed += 1


def retry_delay(attempts: int, retry_after: float | None) -> timedelta:
    """Exponential backoff with jitter, never sooner than the provider asked."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempts - 1))
    delay = ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not security
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay
