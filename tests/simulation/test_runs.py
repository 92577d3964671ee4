"""Runs: synchronous or queued, polled, scoped to their workspace, failing without a 500."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import override_settings
from django_q.models import OrmQ
from rest_framework.test import APIClient

from core import clock
from core.models import Workspace
from journeys.models import SimulationRun, SimulationStatus
from journeys.simulation.runs import (
    GRACE,
    NEVER_STARTED,
    SIMULATE_TASK,
    STOPPED,
    run_simulation,
)
from tests.conftest import ClientFactory
from tests.simulation.conftest import FALLBACK, START, journey_id, open_push_script, simulate

SMALL: dict[str, Any] = {
    "days": 1,
    "seed": 5,
    "start": START,
    "population": {"count": 60},
    "script": open_push_script(0.5),
}


def _without_timing(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if key != "elapsed_ms"}


@pytest.mark.usefixtures("run_now")
def test_the_same_seed_gives_the_same_result_and_another_seed_another(
    demo: Workspace, demo_api: APIClient
) -> None:
    journey = journey_id(demo, FALLBACK)
    first, again = (simulate(demo_api, journey, SMALL).json() for _ in range(2))
    other = simulate(demo_api, journey, {**SMALL, "seed": 6}).json()
    assert first["status"] == again["status"] == other["status"] == "done"
    assert _without_timing(first["result"]) == _without_timing(again["result"])
    assert first["result"]["samples"] != other["result"]["samples"]
    assert first["id"] != again["id"]


@pytest.mark.usefixtures("run_now")
def test_a_seed_left_out_is_drawn_and_reported(demo: Workspace, demo_api: APIClient) -> None:
    body = {key: value for key, value in SMALL.items() if key not in ("seed", "start")}
    result = simulate(demo_api, journey_id(demo, FALLBACK), body).json()["result"]
    assert isinstance(result["seed"], int)
    assert result["days"] == 1


def test_a_large_run_is_queued_then_done(
    demo: Workspace,
    demo_api: APIClient,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with (
        override_settings(TOUCHFLOW={"SIMULATION_SYNC_WORK": 10}),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = simulate(demo_api, journey_id(demo, FALLBACK), SMALL)
    assert response.status_code == 202
    queued = response.json()
    assert queued["status"] == "queued"
    assert queued["result"] is None
    assert queued["url"] == f"/api/v1/simulations/{queued['id']}/"
    assert len(callbacks) == 1
    task = OrmQ.objects.get().task
    assert task["func"] == SIMULATE_TASK
    assert task["args"] == (queued["id"],)

    assert run_simulation(*task["args"]) == SimulationStatus.DONE
    assert run_simulation(*task["args"]) == "skipped"  # a task handed out twice runs once
    done = demo_api.get(queued["url"]).json()
    assert done["status"] == "done"
    assert done["result"]["population"] == 60
    assert done["started_at"] <= done["finished_at"]


def test_a_run_that_fails_is_reported_as_failed(demo: Workspace, demo_api: APIClient) -> None:
    with override_settings(
        TOUCHFLOW={"SIMULATION_SYNC_WORK": 1_000_000, "SIMULATION_SYNC_TIMEOUT": 0.01}
    ):
        response = simulate(demo_api, journey_id(demo, FALLBACK), SMALL)
    assert response.status_code == 200
    run = response.json()
    assert run["status"] == "failed"
    assert "took longer than" in run["error"]
    assert run["result"] is None


def test_runs_are_read_in_their_own_workspace_only(
    demo: Workspace, make_client: ClientFactory, other_api: APIClient
) -> None:
    run = SimulationRun.objects.create(
        workspace=demo,
        journey_id=journey_id(demo, FALLBACK),
        request={},
        input={},
        status=SimulationStatus.QUEUED,
        created_at=clock.now(),
    )
    reader = make_client(demo, scopes=("read",))
    assert reader.get(f"/api/v1/simulations/{run.pk}/").json()["status"] == "queued"
    assert other_api.get(f"/api/v1/simulations/{run.pk}/").status_code == 404
    assert reader.get("/api/v1/simulations/999999/").status_code == 404


@pytest.mark.usefixtures("run_now")
def test_a_published_version_is_simulated_as_published(
    demo: Workspace, demo_api: APIClient
) -> None:
    journey = journey_id(demo, FALLBACK)
    assert (
        demo_api.post(f"/api/v1/journeys/{journey}/publish/", {}, format="json").status_code == 201
    )
    current = demo_api.get(f"/api/v1/journeys/{journey}/").json()
    draft = {**current["definition"], "nodes": current["definition"]["nodes"][:1]}
    demo_api.patch(
        f"/api/v1/journeys/{journey}/", {"rev": current["rev"], "definition": draft}, format="json"
    )
    assert simulate(demo_api, journey, SMALL).status_code == 400  # the draft is broken now
    run = simulate(demo_api, journey, {**SMALL, "version": 1}).json()
    assert (run["status"], run["version"]) == ("done", 1)
    assert run["result"]["nodes"]["push1"]["sent"] == 60


def test_a_run_no_worker_can_finish_is_reported_failed_when_read(
    demo: Workspace,
    demo_api: APIClient,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    """Regression: a queued run no worker took (the cluster is down), or a running one whose
    worker died, stayed so for ever, and the canvas polled it for ever."""
    with (
        override_settings(TOUCHFLOW={"SIMULATION_SYNC_WORK": 10}),
        django_capture_on_commit_callbacks(execute=False),
    ):
        never_taken = simulate(demo_api, journey_id(demo, FALLBACK), SMALL).json()
        abandoned = simulate(demo_api, journey_id(demo, FALLBACK), SMALL).json()
    created = SimulationRun.objects.get(pk=never_taken["id"]).created_at
    SimulationRun.objects.filter(pk=abandoned["id"]).update(
        status=SimulationStatus.RUNNING, started_at=created + timedelta(minutes=5)
    )
    limit = timedelta(seconds=600) + GRACE
    with time_machine.travel(created + limit, tick=False):
        assert demo_api.get(never_taken["url"]).json()["status"] == "queued"  # still may start
        assert demo_api.get(abandoned["url"]).json()["status"] == "running"
    with time_machine.travel(created + limit + timedelta(seconds=1), tick=False):
        failed = demo_api.get(never_taken["url"]).json()
        running = demo_api.get(abandoned["url"]).json()
    assert (failed["status"], failed["error"]) == ("failed", NEVER_STARTED)
    assert running["status"] == "running"  # it started later: its own limit has not passed
    with time_machine.travel(created + timedelta(minutes=5) + limit + timedelta(seconds=1)):
        stopped = demo_api.get(abandoned["url"]).json()
    assert (stopped["status"], stopped["error"]) == ("failed", STOPPED)
    assert run_simulation(never_taken["id"]) == "skipped"  # a late worker does not revive it
