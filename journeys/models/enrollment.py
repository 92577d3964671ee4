"""Enrollments: one contact's walk through one journey version, and the log of its steps.

State lives here, never in the task queue (ARCHITECTURE.md §2): a worker claims due
enrollments by taking a lease, advances them and writes them back; a lost task only delays
work, because an expired lease makes the enrollment claimable again.
"""

from __future__ import annotations

from django.db import models

from core.models import Contact, Workspace
from journeys.models.journey import Journey, JourneyVersion


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"  # due or running
    WAITING = "waiting", "Waiting"
    COMPLETED = "completed", "Completed"  # reached an exit
    CONVERTED = "converted", "Converted"  # reached the goal
    EXITED = "exited", "Exited"  # exit_on, archive or manual removal
    FAILED = "failed", "Failed"


LIVE_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.WAITING)


class Enrollment(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="enrollments")
    version = models.ForeignKey(
        JourneyVersion,
        on_delete=models.PROTECT,
        related_name="enrollments",
        help_text="The version entered; the enrollment finishes on it.",
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="enrollments")
    node_id = models.CharField(max_length=200)
    status = models.CharField(
        max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    wake_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it is next due; null while only an event can wake it.",
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(
        max_length=32,
        blank=True,
        help_text="Set by each claim; a write-back must present it (a fencing token).",
    )
    visit = models.PositiveIntegerField(
        default=0, help_text="Counts node visits; with the node it keys idempotent side effects."
    )
    context = models.JSONField(default=dict, blank=True)
    entered_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the goal event occurred; set even after the enrollment finished.",
    )
    error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "wake_at"], name="enrollment_due"),
            models.Index(fields=["contact", "journey"], name="enrollment_contact_journey"),
            # Journey stats: where enrollments are, by version and status, from the index alone.
            models.Index(
                fields=["journey", "version", "node_id", "status"], name="enrollment_stats"
            ),
            # Journey stats: conversions touch only the (few) converted rows.
            models.Index(
                fields=["journey", "version"],
                condition=models.Q(converted_at__isnull=False),
                name="enrollment_converted",
            ),
            # A contact's timeline, in time order.
            models.Index(fields=["contact", "entered_at"], name="enrollment_contact_entered"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.journey_id} at {self.node_id} ({self.status})"


class StepLog(models.Model):
    """One node visit: what happened and which port was taken (the timeline's "why")."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="steps")
    node_id = models.CharField(max_length=200)
    visit = models.PositiveIntegerField()
    port = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        # One index besides the unique key: every step writes a row, and each index costs that
        # write more than the walker's own work for the step. A contact's timeline finds its
        # steps by enrollment through either index and sorts the few it has.
        indexes = [
            # Journey stats count visits and ports per node without reading the rows.
            models.Index(fields=["enrollment", "node_id", "port"], name="steplog_enrollment_node"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "visit"], name="steplog_one_row_per_visit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}#{self.visit} {self.node_id} → {self.port}"
