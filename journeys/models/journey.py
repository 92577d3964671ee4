"""Journeys: an editable draft document, and the immutable versions published from it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Workspace


class JourneyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ARCHIVED = "archived", _("Archived")


def empty_document() -> dict[str, Any]:
    return {"schema_version": 1, "settings": {}, "nodes": [], "edges": [], "ui": {}}


class Journey(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="journeys", verbose_name=_("workspace")
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    definition = models.JSONField(
        default=empty_document,
        help_text=_("The draft document; it may be incomplete."),
        verbose_name=_("definition"),
    )
    rev = models.PositiveIntegerField(
        default=1,
        help_text=_("Grows with every change; PATCH must send the rev it read."),
        verbose_name=_("rev"),
    )
    status = models.CharField(
        max_length=16,
        choices=JourneyStatus.choices,
        default=JourneyStatus.DRAFT,
        verbose_name=_("status"),
    )
    live_version = models.ForeignKey(
        "JourneyVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The version new entrants get (all of them, unless a canary takes a share)."),
        verbose_name=_("live version"),
    )
    canary_version = models.ForeignKey(
        "JourneyVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "A newer version trying out on `canary_percent` of new entrants until promoted."
        ),
        verbose_name=_("canary version"),
    )
    canary_percent = models.PositiveSmallIntegerField(default=0, verbose_name=_("canary percent"))
    next_run_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text=_("A schedule trigger's next occurrence; null for other triggers."),
        verbose_name=_("next run at"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")
        ordering = ["-id"]
        indexes = [models.Index(fields=["workspace", "status"], name="journey_ws_status")]

    def __str__(self) -> str:
        return self.name


class JourneyVersion(models.Model):
    """A frozen document. Enrollments pin one, so it must never change once written."""

    journey = models.ForeignKey(
        Journey, on_delete=models.CASCADE, related_name="versions", verbose_name=_("journey")
    )
    number = models.PositiveIntegerField(verbose_name=_("number"))
    definition = models.JSONField(verbose_name=_("definition"))
    checksum = models.CharField(
        max_length=64, help_text=_("SHA-256 of the canonical JSON."), verbose_name=_("checksum")
    )
    schema_version = models.PositiveSmallIntegerField(verbose_name=_("schema version"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("published by"),
    )
    published_by_key = models.CharField(
        max_length=32,
        blank=True,
        help_text=_("Prefix of the API key that published it."),
        verbose_name=_("published by key"),
    )
    published_at = models.DateTimeField(verbose_name=_("published at"))

    class Meta:
        verbose_name = _("journey version")
        verbose_name_plural = _("journey versions")
        ordering = ["journey", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "number"], name="journey_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.journey} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Journey versions are immutable once published.")
        super().save(*args, **kwargs)
