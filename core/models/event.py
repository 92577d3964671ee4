"""Events: what contacts did, as reported through track/identify or by receipts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models.contact import Contact
from core.models.workspace import Workspace


class Event(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="events", verbose_name=_("workspace")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="events", verbose_name=_("contact")
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    properties = models.JSONField(default=dict, blank=True, verbose_name=_("properties"))
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))
    received_at = models.DateTimeField(verbose_name=_("received at"))
    source_id = models.CharField(  # noqa: DJ001 - NULL keeps the partial unique index sparse
        max_length=200,
        null=True,
        blank=True,
        help_text=_("The caller's Segment messageId; a retried call with it is stored once."),
        verbose_name=_("source id"),
    )
    extra = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Segment fields Touchflow keeps but does not use."),
        verbose_name=_("extra"),
    )

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
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
