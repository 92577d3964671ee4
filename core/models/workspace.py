"""Workspaces: the tenant boundary. Everything a customer owns carries one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Workspace(models.Model):
    slug = models.SlugField(max_length=64, unique=True, verbose_name=_("slug"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        help_text=_("IANA name; contacts without one use it."),
        verbose_name=_("timezone"),
    )
    quiet_hours = models.JSONField(
        default=None,
        null=True,
        blank=True,
        help_text=_('Default marketing quiet hours, e.g. {"start": "22:00", "end": "08:00"}.'),
        verbose_name=_("quiet hours"),
    )
    frequency_caps = models.JSONField(
        default=list,
        blank=True,
        help_text=_('Default marketing caps: [{"max": 2, "per": "P1D", "channels": ["push"]}].'),
        verbose_name=_("frequency caps"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    """A user's role in a workspace: owners and editors change things, viewers read."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("workspace")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="touchflow_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(
        max_length=16, choices=Role.choices, default=Role.VIEWER, verbose_name=_("role")
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
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

    workspace = models.ForeignKey(
        Workspace,
        on_delete=models.CASCADE,
        related_name="suppressions",
        verbose_name=_("workspace"),
    )
    channel = models.CharField(
        max_length=32, blank=True, help_text=_("Blank: every channel."), verbose_name=_("channel")
    )
    address = models.CharField(
        max_length=320, help_text=_("Email, phone, token or openid."), verbose_name=_("address")
    )
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("suppression entry")
        verbose_name_plural = _("suppression entries")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "channel", "address"], name="suppression_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.channel or 'all channels'})"
