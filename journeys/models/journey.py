"""Journeys: an editable draft document, and the immutable versions published from it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from core.models import Workspace


class JourneyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ARCHIVED = "archived", "Archived"


def empty_document() -> dict[str, Any]:
    return {"schema_version": 1, "settings": {}, "nodes": [], "edges": [], "ui": {}}


class Journey(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="journeys")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    definition = models.JSONField(
        default=empty_document, help_text="The draft document; it may be incomplete."
    )
    rev = models.PositiveIntegerField(
        default=1, help_text="Grows with every change; PATCH must send the rev it read."
    )
    status = models.CharField(
        max_length=16, choices=JourneyStatus.choices, default=JourneyStatus.DRAFT
    )
    live_version = models.ForeignKey(
        "JourneyVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The version new entrants get (all of them, unless a canary takes a share).",
    )
    canary_version = models.ForeignKey(
        "JourneyVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A newer version trying out on `canary_percent` of new entrants until promoted.",
    )
    canary_percent = models.PositiveSmallIntegerField(default=0)
    next_run_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="A schedule trigger's next occurrence; null for other triggers.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["workspace", "status"], name="journey_ws_status")]

    def __str__(self) -> str:
        return self.name


class JourneyVersion(models.Model):
    """A frozen document. Enrollments pin one, so it must never change once written."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the canonical JSON.")
    schema_version = models.PositiveSmallIntegerField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    published_by_key = models.CharField(
        max_length=32, blank=True, help_text="Prefix of the API key that published it."
    )
    published_at = models.DateTimeField()

    class Meta:
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
