"""Dispatch: hand due outbox items to their account's provider (or, for webhooks, to HTTP).

Messages are claimed under a lease (`sending` with `next_attempt_at` as the lease's end), so
two dispatchers never send one message. A message whose lease runs out while `sending` (its
dispatcher died between handing it over and recording the outcome) is claimed again with the
same idempotency key; the claim marks it `possible_duplicate` in `reason`, which stays on the
message and is counted, never silent. Transient and rate-limited failures are retried with
exponential backoff and jitter (honouring `retry_after`) up to MAX_ATTEMPTS; other failures
are final. Plugins may supply addresses and veto messages (`touchflow_send_policy`); then
suppressed addresses, missing consent and frequency caps skip (`policies`). Once an outcome
settles, `outbox_settled` tells the engine, which wakes enrollments waiting on it, and after
commit `touchflow_after_send` shows plugins what each provider answered. Rate limits, legal
sending hours, circuit breakers, receipts and real providers come with the delivery milestone.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.dispatch import Signal

from channels_plugins.addresses import address_for
from channels_plugins.base import Failed, OutboundMessage, Outcome, Sent
from channels_plugins.models import Message, MessageStatus
from channels_plugins.policies import policy_skips
from channels_plugins.registry import PluginHookError, get_registry
from channels_plugins.tracking import outbound_message
from channels_plugins.unusable import INVALID_RECIPIENT, mark_address_unusable
from channels_plugins.webhooks import WEBHOOK_CHANNEL, call_webhooks
from core.bulk import update_rows
from core.leases import ClaimQuery, claim_rows

SEND_LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
RETRYABLE_KINDS = frozenset({"transient", "rate_limited"})
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
POSSIBLE_DUPLICATE = "possible_duplicate"
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


@dataclass
class DispatchReport:
    dispatched: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0  # failed transiently; pending again with a later next_attempt_at
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
    messages = list(
        Message.objects.filter(pk__in=ids).select_related("contact", "account", "workspace")
    )
    by_account: dict[int, list[tuple[Message, OutboundMessage]]] = defaultdict(list)
    webhooks: list[Message] = []
    handed_over: list[tuple[Message, Outcome]] = []  # what providers answered, for observers
    for message in messages:
        report.dispatched += 1
        report.possible_duplicates += message.reason == POSSIBLE_DUPLICATE
        account = message.account
        if message.channel == WEBHOOK_CHANNEL and account is None:
            webhooks.append(message)
            continue
        if account is None:
            _record(message, Failed("config", "the account no longer exists"), now, report)
            continue
        try:
            to = address_for(message.contact, message.channel, account.provider)
        except PluginHookError as exc:
            _skip(message, f"address_error: {exc}"[:200], report)
            continue
        if to is None:
            _skip(message, "no_address", report)
            continue
        veto = get_registry().send_policy(
            message=message, contact=message.contact, account=account, now=now
        )
        if veto is not None:
            _skip(message, veto, report)
            continue
        outbound = outbound_message(message, to)  # tracked links, pixel, unsubscribe
        by_account[account.pk].append((message, outbound))
    candidates = [(message, out.to) for batch in by_account.values() for message, out in batch]
    refused = policy_skips(candidates, now)
    for batch in by_account.values():
        allowed = []
        for message, outbound in batch:
            if message.pk in refused:
                _skip(message, refused[message.pk], report)
            else:
                allowed.append((message, outbound))
        if not allowed:
            continue
        for (message, outbound), outcome in zip(allowed, _provider_outcomes(allowed), strict=True):
            _record(message, outcome, now, report)
            if isinstance(outcome, Failed) and outcome.kind == INVALID_RECIPIENT:
                mark_address_unusable(
                    workspace_id=message.workspace_id,
                    channel=message.channel,
                    address=outbound.to,
                    contact_id=message.contact_id,
                    reason=message.reason,
                )
            handed_over.append((message, outcome))
    calls = [(message.content, message.idempotency_key) for message in webhooks]
    for message, outcome in zip(webhooks, call_webhooks(calls), strict=True):
        _record(message, outcome, now, report)
        handed_over.append((message, outcome))
    with transaction.atomic():
        update_rows(
            messages, ["status", "reason", "sent_at", "provider_message_id", "next_attempt_at"]
        )
        settled = [m for m in messages if m.status != MessageStatus.PENDING]
        if settled:
            outbox_settled.send(sender=Message, messages=settled, now=now)
    if handed_over:
        transaction.on_commit(lambda: _observe(handed_over))


def _observe(handed_over: list[tuple[Message, Outcome]]) -> None:
    registry = get_registry()
    for message, outcome in handed_over:
        registry.after_send(message=message, outcome=outcome)


def _skip(message: Message, reason: str, report: DispatchReport) -> None:
    message.status, message.reason = MessageStatus.SKIPPED, reason
    message.next_attempt_at = None
    report.skipped += 1


def _provider_outcomes(batch: list[tuple[Message, OutboundMessage]]) -> list[Outcome]:
    account = batch[0][0].account
    assert account is not None
    provider = get_registry().provider(account.channel, account.provider)
    if provider is None:
        return [Failed("config", f"no provider {account.provider!r}")] * len(batch)
    try:
        return provider.send(account.config, [outbound for _, outbound in batch])
    except NotImplementedError as exc:
        return [Failed("config", str(exc))] * len(batch)


def _record(message: Message, outcome: Outcome, now: datetime, report: DispatchReport) -> None:
    """Apply one outcome: sent, retry later, or fail for good."""
    if isinstance(outcome, Sent):
        message.status, message.sent_at = MessageStatus.SENT, now
        message.provider_message_id = outcome.provider_message_id
        message.next_attempt_at = None
        if message.reason != POSSIBLE_DUPLICATE:
            message.reason = ""  # an earlier attempt's "retrying after …" no longer applies
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
