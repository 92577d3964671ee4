"""The outbox: every message the engine decides to send, written in the step's transaction.

Rows are created by journeys' send nodes and handed to providers by dispatch. The
idempotency key is derived from (enrollment, node, visit) and UNIQUE, so a replayed step can
never create a second message. `channels_plugins` never imports `journeys`: the journey, node
and enrollment are plain references here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from channels_plugins.models.accounts import ChannelAccount
from core.models import Contact, Workspace


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # created, or held for a window, a limit or a retry
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    OPENED = "opened", _("Opened")
    CLICKED = "clicked", _("Clicked")
    BOUNCED = "bounced", _("Bounced")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")  # a policy said no; `reason` says which


class MessageCategory(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    TRANSACTIONAL = "transactional", _("Transactional")


class Message(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", verbose_name=_("workspace")
    )
    # The contact and account keys have no index of their own: `message_contact_sent` and
    # `message_receipt_lookup` start with them (a lookup or a cascading delete by either uses
    # those), and every index costs each message the walker writes.
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        db_index=False,
        related_name="messages",
        verbose_name=_("contact"),
    )
    channel = models.CharField(max_length=64, verbose_name=_("channel"))
    account = models.ForeignKey(
        ChannelAccount,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        related_name="messages",
        verbose_name=_("account"),
    )
    category = models.CharField(
        max_length=16,
        choices=MessageCategory.choices,
        default=MessageCategory.MARKETING,
        verbose_name=_("category"),
    )
    # No index of its own: `message_journey_stats` starts with it, and every index costs each
    # message the walker writes.
    journey_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("journey id"))
    node_id = models.CharField(max_length=200, blank=True, verbose_name=_("node id"))
    enrollment_id = models.BigIntegerField(
        null=True, blank=True, db_index=True, verbose_name=_("enrollment id")
    )
    content = models.JSONField(
        default=dict, help_text=_("The rendered params."), verbose_name=_("content")
    )
    frequency_cap = models.JSONField(
        null=True,
        blank=True,
        help_text=_("The sending journey's cap, checked at dispatch with the workspace's caps."),
        verbose_name=_("frequency cap"),
    )
    idempotency_key = models.CharField(
        max_length=200, unique=True, verbose_name=_("idempotency key")
    )
    status = models.CharField(
        max_length=16,
        choices=MessageStatus.choices,
        default=MessageStatus.PENDING,
        verbose_name=_("status"),
    )
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("reason"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    possible_duplicate = models.BooleanField(
        default=False,
        help_text=_(
            "Claimed again after its dispatcher died mid-send: the provider may have it "
            "twice (it got the same idempotency key both times). Stays set whatever happens next."
        ),
        verbose_name=_("possible duplicate"),
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    provider_message_id = models.CharField(
        max_length=200, blank=True, verbose_name=_("provider message id")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        # Every index costs each message the walker writes, so each one here serves a reader
        # no other index's prefix serves. Besides these: the unique idempotency key (replays,
        # receipts naming our key), `enrollment_id` (the walker's `_sent_messages`) and
        # `workspace` (the API's workspace-scoped listing, workspace deletes).
        indexes = [
            # Dispatch's claim: pending messages due for a (re)try, and leases run out.
            models.Index(fields=["status", "next_attempt_at"], name="message_due"),
            # Frequency caps (`policies._sent_since`): a contact's sends per channel since a
            # time. Its `contact` prefix also serves the other lookups by contact: the timeline
            # (which sorts the one contact's messages by time) and cascading contact deletes.
            models.Index(fields=["contact", "channel", "sent_at"], name="message_contact_sent"),
            # Journey stats: outcomes per node, from the index alone; its (journey, node)
            # prefix also answers segment rules on a journey's message status.
            models.Index(
                fields=["journey_id", "node_id", "status", "enrollment_id"],
                name="message_journey_stats",
            ),
            # Receipts name messages by the provider's id, within the receiving account.
            models.Index(fields=["account", "provider_message_id"], name="message_receipt_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.contact_id} ({self.status})"
