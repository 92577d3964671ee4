"""Simulation runs: the only code that writes SimulationRun rows.

Small runs (contacts x weeks up to SIMULATION_SYNC_WORK) run while the request waits; larger
ones go to the django-q2 cluster and are polled. Either way the run ends `done` with its result
or `failed` with the reason, never an exception reaching the caller. A run is claimed with a
conditional update before it starts, so a task the broker hands out twice runs once; a run
whose worker died is taken over once its time limit has clearly passed, and a run read after
that limit with no worker to finish it is reported failed (`settle_overdue`), so a client
polling it learns so instead of polling forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django_q.tasks import async_task

from core import clock
from core.conf import touchflow_settings
from journeys.models import Journey, SimulationRun, SimulationStatus
from journeys.simulation import snapshot
from journeys.simulation.process import SimulationFailed, run_child

SIMULATE_TASK = "journeys.simulation.runs.run_simulation"
DEADLINE_SHARE = 0.85  # of the time limit: the child stops itself and reports what it has
GRACE = timedelta(minutes=2)


def work(request: Mapping[str, Any]) -> int:
    """The size of a run: contacts x weeks, at least one week."""
    population = request["population"]
    count = len(population["contacts"]) if "contacts" in population else population["count"]
    return int(count * max(1.0, request["days"] / 7))


def start_simulation(
    journey: Journey, request: dict[str, Any], definition: Mapping[str, Any]
) -> SimulationRun:
    """Record the run with everything it will read, then run it now or queue it."""
    run = SimulationRun.objects.create(
        workspace=journey.workspace,
        journey=journey,
        version_number=request.get("version"),
        request=request,
        input={"snapshot": snapshot.take(journey, definition), "request": request},
        created_at=clock.now(),
    )
    if work(request) <= touchflow_settings.SIMULATION_SYNC_WORK:
        execute(run.pk, timeout=touchflow_settings.SIMULATION_SYNC_TIMEOUT)
        run.refresh_from_db()
        return run
    seconds = touchflow_settings.SIMULATION_TIMEOUT
    transaction.on_commit(
        lambda: async_task(SIMULATE_TASK, run.pk, timeout=seconds + GRACE.total_seconds())
    )
    return run


def run_simulation(run_id: int) -> str:
    """The django-q2 task; returns the run's final status."""
    return execute(run_id, timeout=touchflow_settings.SIMULATION_TIMEOUT)


def execute(run_id: int, *, timeout: float) -> str:
    now = clock.now()
    stale = Q(status=SimulationStatus.RUNNING, started_at__lt=_abandoned_before(now, timeout))
    claimed = SimulationRun.objects.filter(
        Q(status=SimulationStatus.QUEUED) | stale, pk=run_id
    ).update(status=SimulationStatus.RUNNING, started_at=now)
    if not claimed:
        return "skipped"  # gone, finished, or running elsewhere
    run = SimulationRun.objects.get(pk=run_id)
    limits = {
        "seconds": timeout * DEADLINE_SHARE,
        "moments": touchflow_settings.SIMULATION_MAX_MOMENTS,
    }
    try:
        result = run_child({**run.input, "limits": limits}, timeout=timeout)
    except SimulationFailed as exc:
        _finish(run, status=SimulationStatus.FAILED, error=str(exc))
        return SimulationStatus.FAILED
    _finish(run, status=SimulationStatus.DONE, result=result)
    return SimulationStatus.DONE


STOPPED = "The simulation stopped without a result (the worker running it ended). Start it again."
NEVER_STARTED = (
    "No worker started the simulation in time: is the django-q2 cluster running (`make run`"
    " starts it)? Start it again."
)


def settle_overdue(run: SimulationRun) -> SimulationRun:
    """The run as a client should see it: failed, saying why, once it can no longer finish.

    A queued run no worker took, or a running one whose worker died, stays so in the table;
    after the time limit and the grace a retried task would have taken it over, it never
    will. The update is conditional on the status read, so a run that finished meanwhile
    keeps its result.
    """
    waiting = {SimulationStatus.QUEUED: run.created_at, SimulationStatus.RUNNING: run.started_at}
    since = waiting.get(SimulationStatus(run.status))
    now = clock.now()
    if since is None or since >= _abandoned_before(now, touchflow_settings.SIMULATION_TIMEOUT):
        return run
    error = NEVER_STARTED if run.status == SimulationStatus.QUEUED else STOPPED
    SimulationRun.objects.filter(pk=run.pk, status=run.status).update(
        status=SimulationStatus.FAILED, error=error, finished_at=now
    )
    run.refresh_from_db()
    return run


def _abandoned_before(now: datetime, timeout: float) -> datetime:
    """A run still unfinished that was queued or started before this has no worker left: its
    time limit and the grace a retried task waits have both passed. `execute` takes such a
    run over; `settle_overdue` reports it failed."""
    return now - timedelta(seconds=timeout) - GRACE


def _finish(run: SimulationRun, **fields: Any) -> None:
    SimulationRun.objects.filter(pk=run.pk).update(finished_at=clock.now(), **fields)
