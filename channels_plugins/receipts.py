"""Applying a provider's receipts: find each message, record its event, learn dead addresses.

Messages are matched within the receiving account only (by `provider_message_id`, our message
id or our idempotency key), so one account's receipts can never touch another's messages.
Each receipt becomes a `message.*` event through `engagement.record_message_event` with the
source id `receipt:<account>:<receipt id>`: a receipt posted twice (a provider's retry, a
replayed request) is recorded once and counted as a duplicate. A receipt naming no message of
the account is counted as unknown and dropped: providers report on messages sent before an
account was recreated, and refusing the whole request would only make them retry it.

A receipt about an address rather than a message (it names no message, says
`address_unusable` and names the `recipient`: a WeChat follower who unfollowed the account)
records no event; it makes the address unusable on the account's channel, counted as accepted
the first time and as a duplicate after.

An opt-out receipt (an SMS "STOP" reply) names an address instead of a message: `opt_outs`.
A receipt saying an address is usable again (`address_usable`: a WeChat follower who followed
again) lifts the address's unusable marks on the account's channel; it is always accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from channels_plugins.addresses import address_for
from channels_plugins.base import Receipt
from channels_plugins.engagement import record_message_event
from channels_plugins.models import ChannelAccount, Message
from channels_plugins.opt_outs import apply_opt_out
from channels_plugins.registry import PluginHookError
from channels_plugins.unusable import lift_unusable, mark_address_unusable


@dataclass
class ReceiptTally:
    accepted: int = 0
    duplicates: int = 0
    unknown: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "unknown": self.unknown}


def source_id(account: ChannelAccount, receipt: Receipt) -> str:
    return f"receipt:{account.pk}:{receipt.id}"


def apply_receipts(account: ChannelAccount, receipts: Sequence[Receipt]) -> ReceiptTally:
    """Record every receipt in one transaction; a failure leaves nothing half applied, and the
    provider's retry is then recorded whole."""
    tally = ReceiptTally()
    with transaction.atomic():
        found = _messages(account, receipts)
        for receipt in receipts:
            if receipt.opt_out:  # about an address, not a message (`opt_outs`)
                outcome = apply_opt_out(account, receipt)
                tally.accepted += outcome == "accepted"
                tally.duplicates += outcome == "duplicate"
                tally.unknown += outcome == "unknown"
                continue
            if receipt.address_usable and receipt.recipient:
                lift_unusable(
                    workspace_id=account.workspace_id,
                    channel=account.channel,
                    address=receipt.recipient,
                )
                tally.accepted += 1
                continue
            if _about_address(receipt):
                if _mark_address(account, receipt):
                    tally.accepted += 1
                else:
                    tally.duplicates += 1
                continue
            message = _match(found, receipt)
            if message is None:
                tally.unknown += 1
                continue
            recorded = record_message_event(
                message,
                receipt.event,
                occurred_at=receipt.occurred_at,
                source_id=source_id(account, receipt),
                properties={**receipt.detail, "receipt_id": receipt.id},
            )
            if recorded.duplicate:
                tally.duplicates += 1
                continue
            tally.accepted += 1
            if receipt.address_unusable:
                _mark_unusable(account, message, receipt)
    return tally


Found = dict[tuple[str, str], Message]  # ("provider" | "id" | "key", value) → message


def _messages(account: ChannelAccount, receipts: Sequence[Receipt]) -> Found:
    """The account's messages the receipts name, in one query, keyed by how they were named."""
    by_provider = {r.provider_message_id for r in receipts if r.provider_message_id}
    # An id no database integer holds names no message (and would overflow the query).
    by_id = {
        r.message_id for r in receipts if r.message_id is not None and 0 < r.message_id < 2**63
    }
    by_key = {r.idempotency_key for r in receipts if r.idempotency_key}
    if not (by_provider or by_id or by_key):
        return {}
    rows = (
        Message.objects.filter(account=account)
        .filter(
            Q(provider_message_id__in=by_provider) | Q(pk__in=by_id) | Q(idempotency_key__in=by_key)
        )
        .select_related("contact", "workspace")
    )
    found: Found = {}
    for message in rows:
        if message.provider_message_id:
            found[("provider", message.provider_message_id)] = message
        found[("id", str(message.pk))] = message
        found[("key", message.idempotency_key)] = message
    return found


def _match(found: Found, receipt: Receipt) -> Message | None:
    if receipt.provider_message_id:
        return found.get(("provider", receipt.provider_message_id))
    if receipt.message_id is not None:
        return found.get(("id", str(receipt.message_id)))
    if receipt.idempotency_key:
        return found.get(("key", receipt.idempotency_key))
    return None


def _about_address(receipt: Receipt) -> bool:
    names_message = receipt.provider_message_id or receipt.idempotency_key
    return (
        not names_message
        and receipt.message_id is None
        and receipt.address_unusable
        and bool(receipt.recipient)
    )


def _mark_address(account: ChannelAccount, receipt: Receipt) -> bool:
    detail = receipt.detail.get("diagnostic") or receipt.event
    return mark_address_unusable(
        workspace_id=account.workspace_id,
        channel=account.channel,
        address=receipt.recipient,
        contact_id=None,
        reason=f"{receipt.event} ({account.provider}): {detail}",
    )


def _mark_unusable(account: ChannelAccount, message: Message, receipt: Receipt) -> None:
    address = receipt.recipient
    if not address:
        try:
            address = address_for(message.contact, message.channel, account.provider) or ""
        except PluginHookError:
            address = ""  # the plugin that resolves addresses is broken: nothing to mark
    detail = receipt.detail.get("diagnostic") or receipt.event
    mark_address_unusable(
        workspace_id=message.workspace_id,
        channel=message.channel,
        address=address,
        contact_id=message.contact_id,
        reason=f"{receipt.event} ({account.provider}): {detail}",
    )
