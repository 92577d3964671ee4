"""Enrollments: one contact's walk through one journey version, and the log of its steps.

State lives here, never in the task queue (ARCHITECTURE.md §2): a worker claims due
enrollments by taking a lease, advances them and writes them back; a lost task only delays
work, because an expired lease makes the enrollment claimable again.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Contact, Workspace
from journeys.models.journey import Journey, JourneyVersion


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")  # due or running
    WAITING = "waiting", _("Waiting")
    COMPLETED = "completed", _("Completed")  # reached an exit
    CONVERTED = "converted", _("Converted")  # reached the goal
    EXITED = "exited", _("Exited")  # exit_on, archive or manual removal
    FAILED = "failed", _("Failed")


LIVE_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.WAITING)


class Enrollment(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", verbose_name=_("workspace")
    )
    journey = models.ForeignKey(
        Journey, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("journey")
    )
    version = models.ForeignKey(
        JourneyVersion,
        on_delete=models.PROTECT,
        related_name="enrollments",
        help_text=_("The version entered; the enrollment finishes on it."),
        verbose_name=_("version"),
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("contact")
    )
    node_id = models.CharField(max_length=200, verbose_name=_("node id"))
    status = models.CharField(
        max_length=16,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.ACTIVE,
        verbose_name=_("status"),
    )
    wake_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When it is next due; null while only an event can wake it."),
        verbose_name=_("wake at"),
    )
    lease_until = models.DateTimeField(null=True, blank=True, verbose_name=_("lease until"))
    lease_token = models.CharField(
        max_length=32,
        blank=True,
        help_text=_("Set by each claim; a write-back must present it (a fencing token)."),
        verbose_name=_("lease token"),
    )
    visit = models.PositiveIntegerField(
        default=0,
        help_text=_("Counts node visits; with the node it keys idempotent side effects."),
        verbose_name=_("visit"),
    )
    context = models.JSONField(default=dict, blank=True, verbose_name=_("context"))
    entered_at = models.DateTimeField(verbose_name=_("entered at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    converted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the goal event occurred; set even after the enrollment finished."),
        verbose_name=_("converted at"),
    )
    error = models.TextField(blank=True, verbose_name=_("error"))

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
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


# A pass may hold at most this many visits: step ids are `pass id * PASS_VISITS_MAX + index`.
PASS_VISITS_MAX = 64


class PassLog(models.Model):
    """What one walker pass did for one enrollment: its node visits, in order, in one row.

    This is the step log's storage; read it through `StepLog`, one row per visit. A pass makes
    three or four visits on a typical journey, and one row per visit cost the walker more
    than any other write (three B-trees per visit); one row per pass with its visits as a
    JSON list costs one table row and one index entry per pass.

    `visits` holds `[node_id, port]` per visit, or `[node_id, port, detail]` when the visit has
    detail (a split's variant, the outcome it waited for). Visit numbers run on from
    `first_visit`: the walker numbers an enrollment's visits consecutively.
    """

    # No index of its own: the unique key starts with it (a timeline, stats, a cascading delete).
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.CASCADE,
        db_index=False,
        related_name="passes",
        verbose_name=_("enrollment"),
    )
    first_visit = models.PositiveIntegerField(verbose_name=_("first visit"))
    at = models.DateTimeField(verbose_name=_("at"))
    visits = models.JSONField(verbose_name=_("visits"))

    class Meta:
        verbose_name = _("walker pass")
        verbose_name_plural = _("walker passes")
        constraints = [
            # Replaying a pass starts from the same stored visit: it can never be logged twice.
            models.UniqueConstraint(
                fields=["enrollment", "first_visit"], name="passlog_one_row_per_pass"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}#{self.first_visit}: {len(self.visits)} visits"


class NodeVisitCount(models.Model):
    """Visits that left a node of a version by a port, counted as the walker records them.

    The stats' `passed` and `ports` read these instead of counting the step log on every
    request: unnesting a journey's passes took 1.08 s of a 1.32 s stats request for 100,000
    enrollments. Counts are added in the transaction that writes the passes
    (`journeys.engine.step_log`), so the stats' single statement sees both alike.

    Each write-back adds to one of SHARDS rows per (version, node, port), chosen at random, so
    concurrent write-backs on PostgreSQL rarely wait for each other's row lock; readers sum the
    shards. Counts are history: deleting a contact removes its passes but not its visits here.
    """

    SHARDS = 8

    version = models.ForeignKey(
        JourneyVersion,
        on_delete=models.CASCADE,
        db_index=False,  # the unique key starts with it
        related_name="+",
        verbose_name=_("version"),
    )
    node_id = models.CharField(max_length=200, verbose_name=_("node id"))
    port = models.CharField(max_length=200, blank=True, verbose_name=_("port"))
    shard = models.PositiveSmallIntegerField(verbose_name=_("shard"))
    visits = models.PositiveBigIntegerField(default=0, verbose_name=_("visits"))

    class Meta:
        verbose_name = _("node visit count")
        verbose_name_plural = _("node visit counts")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "node_id", "port", "shard"], name="node_visit_count_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version_id}/{self.node_id}/{self.port or '-'}: {self.visits}"


class StepLog(models.Model):
    """One node visit: what happened and which port was taken (the timeline's "why").

    A read-only database view over `PassLog` (migration 0012 creates it, per backend), so every
    reader (stats, the timeline, the simulation report) counts and filters visits in SQL.
    """

    id = models.BigIntegerField(primary_key=True)  # pass id * PASS_VISITS_MAX + its index
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.DO_NOTHING,  # rows go with their PassLog row
        db_constraint=False,
        related_name="steps",
        verbose_name=_("enrollment"),
    )
    node_id = models.CharField(max_length=200, verbose_name=_("node id"))
    visit = models.PositiveIntegerField(verbose_name=_("visit"))
    port = models.CharField(max_length=100, blank=True, verbose_name=_("port"))
    at = models.DateTimeField(verbose_name=_("at"))
    detail = models.JSONField(default=dict, blank=True, verbose_name=_("detail"))

    class Meta:
        managed = False
        db_table = "journeys_steplog"
        verbose_name = _("step log")
        verbose_name_plural = _("step logs")

    def __str__(self) -> str:
        return f"{self.enrollment_id}#{self.visit} {self.node_id} → {self.port}"
