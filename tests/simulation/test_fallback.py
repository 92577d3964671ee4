"""The fallback chain simulated: opens take the received port, the rest get the SMS."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from channels_plugins.models import Message
from core.models import Contact, Event, Workspace
from journeys.models import Enrollment, Journey, JourneyStatus, StepLog
from tests.simulation.conftest import FALLBACK, START, journey_id, open_push_script, simulate
from tests.support.http import recording_server

pytestmark = pytest.mark.usefixtures("run_now")


def _table_sizes() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Contact, Event, Enrollment, StepLog, Message, Journey)
    }


def test_a_thousand_contacts_open_the_push_about_thirty_percent_of_the_time(
    demo: Workspace, demo_api: APIClient
) -> None:
    journey = journey_id(demo, FALLBACK)
    before = _table_sizes()
    response = simulate(
        demo_api,
        journey,
        {
            "days": 2,
            "seed": 11,
            "start": START,
            "population": {"count": 1000},
            "script": open_push_script(0.3),
        },
    )
    assert response.status_code == 200, response.content
    run: dict[str, Any] = response.json()
    assert run["status"] == "done", run["error"]
    result = run["result"]
    nodes = result["nodes"]
    assert result["population"] == result["entered"] == 1000
    assert nodes["push1"]["sent"] == 1000
    opened = nodes["wait_open"]["ports"]["received"]
    assert 260 <= opened <= 340
    assert nodes["wait_open"]["ports"]["timeout"] == 1000 - opened
    assert nodes["sms1"]["sent"] == 1000 - opened
    assert nodes["push1"]["opened"] == opened
    assert result["messages"] == {"push": 1000, "sms": 1000 - opened}
    assert result["script"] == [{"event": "message.opened", "node": "push1", "fired": opened}]
    # Nobody clicks the SMS: each waits a day and leaves; nothing reaches the webhook.
    assert nodes["wait_click"]["ports"] == {"timeout": 1000 - opened}
    assert nodes["done"]["entered"] == 1000
    assert result["complete"] is True
    # Every route shows up among the samples, the commoner first.
    routes = [[step["port"] for step in sample["path"]] for sample in result["samples"]]
    assert routes[0][:3] == ["next", "next", "timeout"] or routes[0][:3] == [
        "next",
        "next",
        "received",
    ]
    assert {tuple(route[:3]) for route in routes} == {
        ("next", "next", "received"),
        ("next", "next", "timeout"),
    }
    assert len(result["samples"]) == 10
    # Nothing of the run was stored in the workspace, and the draft stayed a draft.
    assert _table_sizes() == before
    stored = Journey.objects.get(pk=journey)
    assert stored.status == JourneyStatus.DRAFT
    assert not stored.versions.exists()


def test_a_simulated_webhook_calls_no_one(demo: Workspace, demo_api: APIClient) -> None:
    """Clickers who do not pay reach the coupon webhook; the child records it and sends nothing."""
    with recording_server(port=8765) as coupon_receiver:
        response = simulate(
            demo_api,
            journey_id(demo, FALLBACK),
            {
                "days": 3,
                "seed": 5,
                "start": START,
                "population": {"count": 40},
                "script": [{"event": "message.clicked", "node": "sms1", "p": 1, "within": "PT1H"}],
            },
        )
    assert response.status_code == 200, response.content
    nodes = response.json()["result"]["nodes"]
    assert nodes["coupon"]["entered"] == 40
    assert nodes["coupon"]["sent"] == 40
    assert coupon_receiver.requests == []
