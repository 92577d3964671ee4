"""Dispatch, minimal: hand pending outbox messages to their account's provider.

Messages are claimed under a lease (`sending` with `next_attempt_at` as the lease's end), so
two dispatchers never send one message. A message whose lease runs out while `sending` (its
dispatcher died between handing it over and recording the outcome) is claimed again with the
same idempotency key; its `attempts` then exceeds one, which is how possible duplicates are
counted. Policies (consent, caps, rate limits, legal hours), retries with backoff, receipts
and real providers come with the delivery milestone; today a provider's failure is final.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from channels_plugins.addresses import address_for
from channels_plugins.base import Failed, OutboundMessage, Outcome, Sent
from channels_plugins.models import Message, MessageStatus
from channels_plugins.registry import get_registry
from core.bulk import update_rows
from core.leases import ClaimQuery, claim_rows

SEND_LEASE = timedelta(minutes=5)
DUE_MESSAGES = ClaimQuery(
    table="channels_plugins_message",
    due=(
        "(status = %s AND (next_attempt_at IS NULL OR next_attempt_at <= %s))"
        " OR (status = %s AND next_attempt_at <= %s)"
    ),
    order_by="id",
    assign="status = %s, next_attempt_at = %s, attempts = attempts + 1",
)


@dataclass
class DispatchReport:
    dispatched: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    possible_duplicates: int = 0
    drained: bool = True  # False when max_batches stopped it with messages still due


def claim_messages(now: datetime, limit: int) -> list[int]:
    pending, sending = str(MessageStatus.PENDING), str(MessageStatus.SENDING)
    return claim_rows(
        DUE_MESSAGES,
        due_params=[pending, now, sending, now],
        assign_params=[sending, now + SEND_LEASE],
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
    messages = list(Message.objects.filter(pk__in=ids).select_related("contact", "account"))
    by_account: dict[int, list[tuple[Message, OutboundMessage]]] = defaultdict(list)
    for message in messages:
        report.dispatched += 1
        report.possible_duplicates += message.attempts > 1
        account = message.account
        if account is None:
            _fail(message, Failed("config", "the account no longer exists"), report)
            continue
        to = address_for(message.contact, message.channel, account.provider)
        if to is None:
            message.status, message.reason = MessageStatus.SKIPPED, "no_address"
            report.skipped += 1
            continue
        outbound = OutboundMessage(message.pk, to, message.content, message.idempotency_key)
        by_account[account.pk].append((message, outbound))
    for batch in by_account.values():
        account = batch[0][0].account
        assert account is not None
        provider = get_registry().provider(account.channel, account.provider)
        outcomes: list[Outcome]
        if provider is None:
            outcomes = [Failed("config", f"no provider {account.provider!r}")] * len(batch)
        else:
            try:
                outcomes = provider.send(account.config, [outbound for _, outbound in batch])
            except NotImplementedError as exc:
                outcomes = [Failed("config", str(exc))] * len(batch)
        for (message, _), outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, Sent):
                message.status, message.sent_at = MessageStatus.SENT, now
                message.provider_message_id = outcome.provider_message_id
                report.sent += 1
            else:
                _fail(message, outcome, report)
    for message in messages:
        message.next_attempt_at = None  # every outcome is final today: nothing to retry
    with transaction.atomic():  # one prepared statement: Django's bulk_update is far slower
        update_rows(
            messages, ["status", "reason", "sent_at", "provider_message_id", "next_attempt_at"]
        )


def _fail(message: Message, failure: Failed, report: DispatchReport) -> None:
    message.status = MessageStatus.FAILED
    message.reason = f"{failure.kind}: {failure.detail}" if failure.detail else failure.kind
    report.failed += 1
