"""Simulation runs: a dry run of a journey, kept so a long one can be polled for its result.

A run holds everything its simulation reads (`input`: the document and a copy of the
workspace's settings, accounts, segments and population), taken when it was asked for, so a
queued run simulates what the marketer saw even if the draft changes meanwhile. The simulation
itself happens in a separate process over a database of its own: nothing but this row is ever
written to the main database.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Workspace
from journeys.models.journey import Journey


class SimulationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class SimulationRun(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", verbose_name=_("workspace")
    )
    journey = models.ForeignKey(
        Journey, on_delete=models.CASCADE, related_name="simulations", verbose_name=_("journey")
    )
    version_number = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("The version simulated; empty for the draft."),
        verbose_name=_("version number"),
    )
    request = models.JSONField(
        help_text=_("The request as the client sent it, validated."), verbose_name=_("request")
    )
    input = models.JSONField(
        help_text=_("What the simulation process reads, taken at request time."),
        verbose_name=_("input"),
    )
    status = models.CharField(
        max_length=16,
        choices=SimulationStatus.choices,
        default=SimulationStatus.QUEUED,
        verbose_name=_("status"),
    )
    result = models.JSONField(null=True, blank=True, verbose_name=_("result"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("simulation run")
        verbose_name_plural = _("simulation runs")
        ordering = ["-id"]
        indexes = [models.Index(fields=["workspace", "journey"], name="simulation_ws_journey")]

    def __str__(self) -> str:
        return f"simulation {self.pk} of {self.journey_id} ({self.status})"
