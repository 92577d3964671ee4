"""Channel accounts: a workspace's credentials for one provider on one channel."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Workspace


def new_hook_token() -> str:
    return secrets.token_urlsafe(32)


class ChannelAccount(models.Model):
    """Journeys name accounts (`"account": "sms-main"`), never credentials."""

    workspace = models.ForeignKey(
        Workspace,
        on_delete=models.CASCADE,
        related_name="channel_accounts",
        verbose_name=_("workspace"),
    )
    name = models.SlugField(
        max_length=100,
        help_text=_("What send nodes call it, e.g. sms-main."),
        verbose_name=_("name"),
    )
    channel = models.CharField(max_length=64, verbose_name=_("channel"))
    provider = models.CharField(max_length=64, verbose_name=_("provider"))
    config = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Validated by the provider's config schema."),
        verbose_name=_("config"),
    )
    track_clicks = models.BooleanField(
        default=False,
        help_text=_("Rewrite links in messages into tracked, signed links."),
        verbose_name=_("track clicks"),
    )
    hook_token = models.CharField(
        max_length=64,
        default=new_hook_token,
        editable=False,
        help_text=_("The unguessable part of this account's receipt URL."),
        verbose_name=_("hook token"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("channel account")
        verbose_name_plural = _("channel accounts")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="channel_account_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.channel}/{self.provider})"
