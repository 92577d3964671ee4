"""Segments: named rules a journey can enter on or test against."""

from __future__ import annotations

from django.db import models

from core.models.workspace import Workspace


class Segment(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="segments")
    key = models.SlugField(max_length=100)
    name = models.CharField(max_length=200, blank=True)
    rule = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="segment_key_unique")
        ]

    def __str__(self) -> str:
        return self.key
