"""Learning that an address cannot be delivered to, and refusing to try it again.

Both ways Touchflow learns it end here: a provider's send outcome `Failed("invalid_recipient")`
(dispatch) and a receipt reporting a hard bounce (`/hooks/…`). `policies.policy_skips` then
skips later messages to the address with reason `invalid_recipient`, transactional ones too:
no category makes a dead address deliverable.
"""

from __future__ import annotations

from collections.abc import Sequence

from channels_plugins.models import Message, UnusableAddress
from core import clock

INVALID_RECIPIENT = "invalid_recipient"


def mark_address_unusable(
    *, workspace_id: int, channel: str, address: str, contact_id: int | None, reason: str
) -> bool:
    """Record the address as unusable on `channel`; True when it was not already."""
    if not address:
        return False
    _, created = UnusableAddress.objects.get_or_create(
        workspace_id=workspace_id,
        channel=channel,
        address=address[:320],
        defaults={"contact_id": contact_id, "reason": reason[:300], "created_at": clock.now()},
    )
    return created


def lift_unusable(*, workspace_id: int, channel: str, address: str) -> int:
    """The address may be tried again on `channel` (its owner said so to the provider); the
    number of marks lifted. Should it still be dead, the next failure marks it again."""
    if not address:
        return 0
    deleted, _ = UnusableAddress.objects.filter(
        workspace_id=workspace_id, channel=channel, address=address[:320]
    ).delete()
    return deleted


def unusable_skips(candidates: Sequence[tuple[Message, str]]) -> dict[int, str]:
    """Message id → `invalid_recipient` for candidates whose address is unusable (one query)."""
    addresses = {address for _, address in candidates}
    if not addresses:
        return {}
    listed = set(
        UnusableAddress.objects.filter(
            workspace_id__in={message.workspace_id for message, _ in candidates},
            address__in=addresses,
        ).values_list("workspace_id", "channel", "address")
    )
    return {
        message.pk: INVALID_RECIPIENT
        for message, address in candidates
        if (message.workspace_id, message.channel, address) in listed
    }
