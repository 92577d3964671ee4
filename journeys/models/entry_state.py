"""What time-based entry triggers remember between passes.

Segment triggers fire when a contact *enters* a segment, so each tracked (segment, contact)
keeps whether it was a member when last evaluated and `recheck_at`: the next moment its
membership could change with time alone (an event ageing out of a `within` window). Events
and contact changes re-evaluate one contact at once; the clock only ever reads rows whose
`recheck_at` is due, through an index, never a scan of all contacts.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Contact, Segment


class SegmentTracking(models.Model):
    """A segment some live journey enters on; `rule_checksum` is the rule the states follow."""

    segment = models.OneToOneField(
        Segment, on_delete=models.CASCADE, related_name="tracking", verbose_name=_("segment")
    )
    rule_checksum = models.CharField(
        max_length=64,
        help_text=_("When the segment's rule changes, membership is re-baselined."),
        verbose_name=_("rule checksum"),
    )
    baseline_at = models.DateTimeField(
        help_text=_("When every contact was last evaluated without enrolling anyone."),
        verbose_name=_("baseline at"),
    )

    def __str__(self) -> str:
        return f"tracking {self.segment_id}"


class SegmentState(models.Model):
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="+", verbose_name=_("segment")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    member = models.BooleanField(verbose_name=_("member"))
    recheck_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When time alone may change membership; null: never."),
        verbose_name=_("recheck at"),
    )
    evaluated_at = models.DateTimeField(verbose_name=_("evaluated at"))

    class Meta:
        verbose_name = _("segment state")
        verbose_name_plural = _("segment states")
        constraints = [
            models.UniqueConstraint(fields=["segment", "contact"], name="segment_state_unique")
        ]
        indexes = [models.Index(fields=["recheck_at"], name="segment_state_recheck")]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.segment_id}: {self.member}"
