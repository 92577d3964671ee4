"""Who enters under each trigger, goals counted, explicit contacts and spread arrivals."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from core.models import Workspace
from journeys.services import create_journey
from tests.journeys.builders import JourneyBuilder
from tests.simulation.conftest import ONBOARDING, START, journey_id, simulate

pytestmark = pytest.mark.usefixtures("run_now")

PUSH = {
    "channel": "push",
    "account": "push-main",
    "params": {"title": "Hi", "body": "Hello {{ contact.attributes.tier }}"},
}


def _journey(workspace: Workspace, trigger: dict[str, Any], reentry: str = "never") -> int:
    builder = JourneyBuilder().entry(trigger=trigger).node("push", "send", PUSH).exit()
    builder.chain("start", "push", "done").settings["reentry"] = reentry
    return create_journey(workspace, name="t", definition=builder.build()).pk


def _result(api: APIClient, journey: int, body: dict[str, Any]) -> dict[str, Any]:
    response = simulate(api, journey, {"start": START, "seed": 3, **body})
    assert response.status_code == 200, response.content
    run = response.json()
    assert run["status"] == "done", run["error"]
    result: dict[str, Any] = run["result"]
    return result


def test_onboarding_goal_conversions_end_the_drip_early(
    demo: Workspace, demo_api: APIClient
) -> None:
    result = _result(
        demo_api,
        journey_id(demo, ONBOARDING),
        {
            "days": 14,
            "population": {"count": 300, "timezones": {"values": ["Asia/Shanghai"]}},
            "script": [{"event": "tutorial_completed", "p": 0.5, "within": "P6D"}],
        },
    )
    nodes = result["nodes"]
    converted = result["conversions"]["count"]
    assert 120 <= converted <= 180
    assert result["conversions"]["rate"] == round(converted / 300, 4)
    assert result["script"][0]["fired"] == converted
    assert nodes["push_features"]["sent"] == 300
    assert nodes["push_features"]["converted"] == converted  # every converter entered it
    # Those who convert before day 7 never get the last push; the others all do.
    assert 300 - converted <= nodes["push_community"]["sent"] < 300 - converted * 0.8
    assert nodes["done"]["entered"] == nodes["push_community"]["sent"]
    assert sum(node["waiting"] for node in nodes.values()) == 0
    statuses = {sample["status"] for sample in result["samples"]}
    assert statuses == {"completed", "converted"}


def test_a_segment_trigger_enrolls_the_members_only(demo: Workspace, demo_api: APIClient) -> None:
    journey = _journey(demo, {"kind": "segment", "segment": "vip"})
    spend = {"monthly_spend": {"min": 0, "max": 9999}}
    result = _result(
        demo_api, journey, {"days": 1, "population": {"count": 200, "attributes": spend}}
    )
    assert 80 <= result["entered"] <= 120  # vip: monthly_spend >= 5000
    assert result["nodes"]["push"]["sent"] == result["entered"]


def test_an_api_trigger_enrolls_everyone_and_arrivals_spread(
    demo: Workspace, demo_api: APIClient
) -> None:
    journey = _journey(demo, {"kind": "api"})
    result = _result(
        demo_api,
        journey,
        {"days": 1, "population": {"count": 40, "arrive_within": "PT6H"}},
    )
    assert result["entered"] == 40
    start = datetime.fromisoformat(START)
    entries = {datetime.fromisoformat(s["path"][0]["at"]) for s in result["samples"]}
    assert all(start <= at < start + timedelta(hours=6) for at in entries)
    assert len(entries) > 1


@pytest.mark.parametrize(("reentry", "entries"), [("never", 1), ("always", 4)])
def test_a_schedule_trigger_enrolls_at_each_firing(
    demo: Workspace, demo_api: APIClient, reentry: str, entries: int
) -> None:
    # 09:00 in Shanghai is the start itself; three days hold four firings, the last at the end.
    journey = _journey(demo, {"kind": "schedule", "cron": "0 9 * * *"}, reentry)
    result = _result(demo_api, journey, {"days": 3, "population": {"count": 5}})
    assert result["entered"] == 5 * entries


def test_explicit_contacts_walk_as_given(demo: Workspace, demo_api: APIClient) -> None:
    journey = _journey(demo, {"kind": "api"})
    contacts = [
        {"external_id": "li", "push_tokens": [{"provider": "sandbox", "token": "t-li"}]},
        {"external_id": "ana", "email": "ana@example.com"},  # no push token: skipped
    ]
    result = _result(demo_api, journey, {"days": 1, "population": {"contacts": contacts}})
    assert result["population"] == result["entered"] == 2
    push = result["nodes"]["push"]
    assert (push["sent"], push["skipped"]) == (1, 1)
    assert sorted(sample["contact"] for sample in result["samples"]) == ["ana", "li"]
