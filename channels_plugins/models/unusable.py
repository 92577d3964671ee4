"""Addresses that cannot be delivered to: a hard bounce, a provider's `invalid_recipient`.

Keyed by the address, not the contact: when a contact's email changes, the new address has no
row and is used again; when two contacts share a dead address, neither is sent to. `contact`
keeps the record findable from the contact it was learnt on.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Contact, Workspace


class UnusableAddress(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", verbose_name=_("workspace")
    )
    channel = models.CharField(max_length=64, verbose_name=_("channel"))
    address = models.CharField(
        max_length=320, help_text=_("Email, phone, token or openid."), verbose_name=_("address")
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="unusable_addresses",
        help_text=_("The contact the address was learnt unusable on."),
        verbose_name=_("contact"),
    )
    reason = models.CharField(max_length=300, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("unusable address")
        verbose_name_plural = _("unusable addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "channel", "address"], name="unusable_address_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.channel})"
