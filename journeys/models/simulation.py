"""Simulation runs: a dry run of a journey, kept so a long one can be polled for its result.

A run holds everything its simulation reads (`input`: the document and a copy of the
workspace's settings, accounts, segments and population), taken when it was asked for, so a
queued run simulates what the marketer saw even if the draft changes meanwhile. The simulation
itself happens in a separate process over a database of its own: nothing but this row is ever
written to the main database.
"""

from __future__ import annotations

from django.db import models

from core.models import Workspace
from journeys.models.journey import Journey


class SimulationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class SimulationRun(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="simulations")
    version_number = models.PositiveIntegerField(
        null=True, blank=True, help_text="The version simulated; empty for the draft."
    )
    request = models.JSONField(help_text="The request as the client sent it, validated.")
    input = models.JSONField(help_text="What the simulation process reads, taken at request time.")
    status = models.CharField(
        max_length=16, choices=SimulationStatus.choices, default=SimulationStatus.QUEUED
    )
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["workspace", "journey"], name="simulation_ws_journey")]

    def __str__(self) -> str:
        return f"simulation {self.pk} of {self.journey_id} ({self.status})"
