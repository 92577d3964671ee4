"""Addresses that cannot be delivered to: a hard bounce, a provider's `invalid_recipient`.

Keyed by the address, not the contact: when a contact's email changes, the new address has no
row and is used again; when two contacts share a dead address, neither is sent to. `contact`
keeps the record findable from the contact it was learnt on.
"""

from __future__ import annotations

from django.db import models

from core.models import Contact, Workspace


class UnusableAddress(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=64)
    address = models.CharField(max_length=320, help_text="Email, phone, token or openid.")
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="unusable_addresses",
        help_text="The contact the address was learnt unusable on.",
    )
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "unusable addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "channel", "address"], name="unusable_address_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.channel})"
