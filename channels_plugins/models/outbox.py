"""The outbox: every message the engine decides to send, written in the step's transaction.

Rows are created by journeys' send nodes and handed to providers by dispatch. The
idempotency key is derived from (enrollment, node, visit) and UNIQUE, so a replayed step can
never create a second message. `channels_plugins` never imports `journeys`: the journey, node
and enrollment are plain references here.
"""

from __future__ import annotations

from django.db import models

from channels_plugins.models.accounts import ChannelAccount
from core.models import Contact, Workspace


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # created, or held for a window, a limit or a retry
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    OPENED = "opened", "Opened"
    CLICKED = "clicked", "Clicked"
    BOUNCED = "bounced", "Bounced"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"  # a policy said no; `reason` says which


class MessageCategory(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    TRANSACTIONAL = "transactional", "Transactional"


class Message(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=64)
    account = models.ForeignKey(
        ChannelAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    category = models.CharField(
        max_length=16, choices=MessageCategory.choices, default=MessageCategory.MARKETING
    )
    # No index of its own: `message_journey_stats` starts with it, and every index costs each
    # message the walker writes.
    journey_id = models.BigIntegerField(null=True, blank=True)
    node_id = models.CharField(max_length=200, blank=True)
    enrollment_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    content = models.JSONField(default=dict, help_text="The rendered params.")
    frequency_cap = models.JSONField(
        null=True,
        blank=True,
        help_text="The sending journey's cap, checked at dispatch with the workspace's caps.",
    )
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        max_length=16, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    reason = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    possible_duplicate = models.BooleanField(
        default=False,
        help_text="Claimed again after its dispatcher died mid-send: the provider may have it "
        "twice (it got the same idempotency key both times). Stays set whatever happens next.",
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due"),
            models.Index(fields=["contact", "channel", "sent_at"], name="message_contact_sent"),
            # Journey stats: outcomes per node, from the index alone.
            models.Index(
                fields=["journey_id", "node_id", "status", "enrollment_id"],
                name="message_journey_stats",
            ),
            # Receipts name messages by the provider's id, within the receiving account.
            models.Index(fields=["account", "provider_message_id"], name="message_receipt_lookup"),
            # A contact's timeline, in time order.
            models.Index(fields=["contact", "created_at"], name="message_contact_created"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.contact_id} ({self.status})"
