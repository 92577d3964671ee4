"""Segments: named rules a journey can enter on or test against."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models.workspace import Workspace


class Segment(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="segments", verbose_name=_("workspace")
    )
    key = models.SlugField(max_length=100, verbose_name=_("key"))
    name = models.CharField(max_length=200, blank=True, verbose_name=_("name"))
    rule = models.JSONField(verbose_name=_("rule"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="segment_key_unique")
        ]

    def __str__(self) -> str:
        return self.key
