"""Workspaces: the tenant boundary. Everything a customer owns carries one."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Workspace(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    timezone = models.CharField(
        max_length=64, default="UTC", help_text="IANA name; contacts without one use it."
    )
    quiet_hours = models.JSONField(
        default=None,
        null=True,
        blank=True,
        help_text='Default marketing quiet hours, e.g. {"start": "22:00", "end": "08:00"}.',
    )
    frequency_caps = models.JSONField(
        default=list,
        blank=True,
        help_text='Default marketing caps: [{"max": 2, "per": "P1D", "channels": ["push"]}].',
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    """A user's role in a workspace: owners and editors change things, viewers read."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="touchflow_memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"

    @property
    def can_write(self) -> bool:
        return self.role in (Role.OWNER, Role.EDITOR)


class SuppressionEntry(models.Model):
    """An address the workspace must never message (on one channel, or on all when blank)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="suppressions")
    channel = models.CharField(max_length=32, blank=True, help_text="Blank: every channel.")
    address = models.CharField(max_length=320, help_text="Email, phone, token or openid.")
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "suppression entries"
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "channel", "address"], name="suppression_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.channel or 'all channels'})"
