"""What time-based entry triggers remember between passes.

Segment triggers fire when a contact *enters* a segment, so each tracked (segment, contact)
keeps whether it was a member when last evaluated and `recheck_at`: the next moment its
membership could change with time alone (an event ageing out of a `within` window). Events
and contact changes re-evaluate one contact at once; the clock only ever reads rows whose
`recheck_at` is due, through an index, never a scan of all contacts.
"""

from __future__ import annotations

from django.db import models

from core.models import Contact, Segment


class SegmentTracking(models.Model):
    """A segment some live journey enters on; `rule_checksum` is the rule the states follow."""

    segment = models.OneToOneField(Segment, on_delete=models.CASCADE, related_name="tracking")
    rule_checksum = models.CharField(
        max_length=64, help_text="When the segment's rule changes, membership is re-baselined."
    )
    baseline_at = models.DateTimeField(
        help_text="When every contact was last evaluated without enrolling anyone."
    )

    def __str__(self) -> str:
        return f"tracking {self.segment_id}"


class SegmentState(models.Model):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    member = models.BooleanField()
    recheck_at = models.DateTimeField(
        null=True, blank=True, help_text="When time alone may change membership; null: never."
    )
    evaluated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "contact"], name="segment_state_unique")
        ]
        indexes = [models.Index(fields=["recheck_at"], name="segment_state_recheck")]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.segment_id}: {self.member}"
