"""Opt-outs a provider reports: a recipient answered "STOP" to an SMS, so the account's
channel must carry no more marketing to them.

A provider's receipt says so with `Receipt(opt_out=True, recipient=<address>)`; it names no
message (the reply is not about one). Every contact of the account's workspace reached at that
address on the account's channel leaves the channel (`tracking.leave_channel`: the contact's
`unsubscribed` event, the same one the one-click link records), so send policies skip their
marketing from then on. A repeated opt-out changes nothing and counts as a duplicate; one
naming an address no contact has counts as unknown.
"""

from __future__ import annotations

from django.db import transaction

from channels_plugins.addresses import builtin_address
from channels_plugins.base import Receipt
from channels_plugins.models import ChannelAccount
from channels_plugins.tracking import leave_channel
from core.models import Contact

# The contact field each built-in channel's address lives in (`addresses.builtin_address`).
_ADDRESS_FIELDS = {"sms": "phone", "email": "email", "wechat": "wechat_openid"}


def apply_opt_out(account: ChannelAccount, receipt: Receipt) -> str:
    """Unsubscribe the recipient's contacts: "accepted", "duplicate" or "unknown"."""
    field = _ADDRESS_FIELDS.get(account.channel)
    if field is None or not receipt.recipient:
        return "unknown"
    with transaction.atomic():
        contacts = list(
            Contact.objects.select_for_update()
            .filter(workspace_id=account.workspace_id, **{field: receipt.recipient})
            .order_by("pk")
        )
        reached = [
            contact
            for contact in contacts
            if builtin_address(contact, account.channel, account.provider) == receipt.recipient
        ]
        if not reached:
            return "unknown"
        properties = {"provider": account.provider, "receipt_id": receipt.id, **receipt.detail}
        left = [leave_channel(contact, account.channel, properties) for contact in reached]
    return "accepted" if any(left) else "duplicate"
