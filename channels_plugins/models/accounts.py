"""Channel accounts: a workspace's credentials for one provider on one channel."""

from __future__ import annotations

import secrets

from django.db import models

from core.models import Workspace


def new_hook_token() -> str:
    return secrets.token_urlsafe(32)


class ChannelAccount(models.Model):
    """Journeys name accounts (`"account": "sms-main"`), never credentials."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="channel_accounts"
    )
    name = models.SlugField(max_length=100, help_text="What send nodes call it, e.g. sms-main.")
    channel = models.CharField(max_length=64)
    provider = models.CharField(max_length=64)
    config = models.JSONField(
        default=dict, blank=True, help_text="Validated by the provider's config schema."
    )
    track_clicks = models.BooleanField(
        default=False, help_text="Rewrite links in messages into tracked, signed links."
    )
    hook_token = models.CharField(
        max_length=64,
        default=new_hook_token,
        editable=False,
        help_text="The unguessable part of this account's receipt URL.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="channel_account_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.channel}/{self.provider})"
