"""Events: what contacts did, as reported through track/identify or by receipts."""

from __future__ import annotations

from django.db import models

from core.models.contact import Contact
from core.models.workspace import Workspace


class Event(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="events")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=200)
    properties = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    source_id = models.CharField(  # noqa: DJ001 - NULL keeps the partial unique index sparse
        max_length=200,
        null=True,
        blank=True,
        help_text="The caller's Segment messageId; a retried call with it is stored once.",
    )
    extra = models.JSONField(
        default=dict, blank=True, help_text="Segment fields Touchflow keeps but does not use."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source_id"],
                condition=models.Q(source_id__isnull=False),
                name="event_source_id_unique",
            )
        ]
        indexes = [
            models.Index(fields=["contact", "name", "occurred_at"], name="event_contact_name"),
            models.Index(fields=["workspace", "name"], name="event_workspace_name"),
            # A contact's timeline, in time order.
            models.Index(fields=["contact", "occurred_at"], name="event_contact_time"),
        ]

    def __str__(self) -> str:
        return f"{self.name} by {self.contact_id}"
