"""The simulation's parts on their own: draws, the population, the process and its command."""

from __future__ import annotations

import io
import sqlite3
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from core import clock
from core.models import Workspace
from journeys.simulation import draws, population
from journeys.simulation.process import (
    SimulationFailed,
    child_env,
    migrations_hash,
    run_child,
    template_database,
)
from tests.journeys.builders import JourneyBuilder


def test_offsets_fall_on_the_grid_inside_the_window() -> None:
    within = timedelta(days=3)
    step = draws.grain(within)
    assert step == timedelta(hours=1, minutes=12)
    for key in range(200):
        moment = draws.offset(draws.generator(1, key), within)
        assert timedelta(0) <= moment < within
        assert moment % step == timedelta(0)
    assert draws.grain(timedelta(minutes=10)) == draws.MIN_GRAIN


def test_draws_depend_on_the_seed_and_the_key_only() -> None:
    assert draws.generator(1, "a").random() == draws.generator(1, "a").random()
    assert draws.generator(1, "a").random() != draws.generator(2, "a").random()
    assert draws.generator(1, "a").random() != draws.generator(1, "b").random()


def test_a_made_up_population_follows_its_distributions() -> None:
    spec: dict[str, Any] = {
        "count": 400,
        "attributes": {
            "tier": {"values": [1, 2, 3], "weights": [1, 0, 3]},
            "age": {"min": 18, "max": 30},
            "score": {"min": 0, "max": 1.5},
        },
        "timezones": {"values": ["Asia/Shanghai", "Europe/Lisbon"]},
        "channels": {"push": 1.0, "sms": 0.5},
    }
    people = population.contacts(spec, seed=9)
    assert people == population.contacts(spec, seed=9)
    assert [p["external_id"] for p in people[:2]] == ["sim-00001", "sim-00002"]
    tiers = [p["attributes"]["tier"] for p in people]
    assert set(tiers) == {1, 3}
    assert 0.65 < tiers.count(3) / len(tiers) < 0.85
    assert all(isinstance(p["attributes"]["age"], int) for p in people)
    assert all(18 <= p["attributes"]["age"] <= 30 for p in people)
    assert all(isinstance(p["attributes"]["score"], float) for p in people)
    assert {p["timezone"] for p in people} == {"Asia/Shanghai", "Europe/Lisbon"}
    assert all(p["push_tokens"][0]["provider"] == "sandbox" for p in people)
    with_phone = [p for p in people if "phone" in p]
    assert 0.4 < len(with_phone) / len(people) < 0.6
    assert all(p["consents"] == {"push": True, "sms": True} for p in with_phone)


def test_arrivals_are_spread_only_when_asked() -> None:
    assert population.arrival({"count": 1}, 1, "sim-00001") == timedelta(0)
    spread = {"count": 1, "arrive_within": "PT2H"}
    assert timedelta(0) <= population.arrival(spread, 1, "sim-00001") < timedelta(hours=2)


def test_the_child_gets_its_own_database_and_no_outside_broker(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("TOUCHFLOW_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DATABASE_URL", "postgres://main/touchflow")
    env = child_env(tmp_path / "sim.sqlite3")
    assert env["DATABASE_URL"] == f"sqlite:///{tmp_path / 'sim.sqlite3'}"
    assert "TOUCHFLOW_BROKER_URL" not in env


def test_the_template_is_built_once_and_empty() -> None:
    template = template_database()
    built = template.stat().st_mtime_ns
    assert template_database() == template
    assert template.stat().st_mtime_ns == built
    assert migrations_hash() in template.name
    with sqlite3.connect(template) as db:
        assert db.execute("SELECT COUNT(*) FROM core_workspace").fetchone() == (0,)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    db.close()


def _command(stdin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("touchflow_simulate")


def test_the_command_refuses_a_database_that_is_not_empty(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = '{"request": {"start": "2030-01-01T00:00:00+00:00"}, "limits": {}, "snapshot": {}}'
    with pytest.raises(CommandError, match="empty database"):
        _command(data, monkeypatch)
    assert clock.now().year < 2030  # the clock was unpinned on the way out


def test_the_command_refuses_input_that_is_not_json(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CommandError, match="not JSON"):
        _command("{", monkeypatch)


def test_a_child_that_fails_reports_its_reason() -> None:
    definition = JourneyBuilder().entry().node("push", "send", {"channel": "push"}).build()
    payload = {
        "snapshot": {
            "workspace": {
                "slug": "w",
                "name": "W",
                "timezone": "UTC",
                "quiet_hours": None,
                "frequency_caps": [],
            },
            "accounts": [],
            "segments": [],
            "journey": {"name": "broken", "definition": definition},
        },
        "request": {
            "start": "2026-11-02T01:00:00+00:00",
            "days": 1,
            "seed": 1,
            "population": {"count": 1},
        },
        "limits": {"seconds": 30, "moments": 100},
    }
    with pytest.raises(SimulationFailed, match=r"^The journey does not validate here: /nodes/1"):
        run_child(payload, timeout=60)
