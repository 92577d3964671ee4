"""Entering journeys: on a matching event at ingestion, or through the enroll endpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from channels_plugins.models import Message
from core.models import Workspace
from journeys.demo import DEMO_SLUG, load_demo
from journeys.engine.tick import tick
from journeys.models import Enrollment
from tests.conftest import ClientFactory
from tests.journeys.builders import JourneyBuilder, minimal_journey
from tests.support.system import shared_examples_dir

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def demo_api(make_client: ClientFactory) -> APIClient:
    load_demo()
    return make_client(Workspace.objects.get(slug=DEMO_SLUG))


def publish(api: APIClient, definition: dict[str, Any]) -> int:
    journey_id: int = api.post(
        "/api/v1/journeys/", {"name": "j", "definition": definition}, format="json"
    ).json()["id"]
    response = api.post(f"/api/v1/journeys/{journey_id}/publish/", {}, format="json")
    assert response.status_code == 201, response.content
    return journey_id


def vip_announces_a_launch(api: APIClient) -> None:
    """A VIP contact, then the event that starts the high-value routing journey."""
    with time_machine.travel(NOW, tick=False):
        api.post(
            "/api/v1/contacts/",
            {
                "external_id": "vip",
                "phone": "+8613800000001",
                "attributes": {"monthly_spend": 7000},
            },
            format="json",
        )
        api.post("/api/v1/track/", {"userId": "vip", "event": "new_model_launched"}, format="json")


def example(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((shared_examples_dir() / name).read_text())
    return document


def test_a_matching_event_enrolls_at_ingestion_and_tick_delivers(demo_api: APIClient) -> None:
    publish(demo_api, example("high_value_routing.json"))
    vip_announces_a_launch(demo_api)
    with time_machine.travel(NOW, tick=False):
        demo_api.post("/api/v1/track/", {"userId": "vip", "event": "something_else"}, format="json")
    assert Enrollment.objects.count() == 1
    report = tick(NOW)
    assert (report.messages_created, report.sent) == (1, 1)
    assert Message.objects.get().node_id == "vip_sms"


def test_old_events_and_unmatched_where_enroll_no_one(demo_api: APIClient) -> None:
    document = (
        JourneyBuilder()
        .entry(trigger={"kind": "event", "event": "order_paid", "where": {"channel": "app"}})
        .exit()
        .chain("start", "done")
        .build()
    )
    publish(demo_api, document)
    with time_machine.travel(NOW, tick=False):
        track = {"userId": "u", "event": "order_paid"}
        demo_api.post("/api/v1/track/", {**track, "properties": {"channel": "web"}}, format="json")
        old = (NOW - timedelta(days=2)).isoformat()
        demo_api.post(
            "/api/v1/track/",
            {**track, "properties": {"channel": "app"}, "timestamp": old},
            format="json",
        )
        assert not Enrollment.objects.exists()
        demo_api.post("/api/v1/track/", {**track, "properties": {"channel": "app"}}, format="json")
    assert Enrollment.objects.count() == 1


def test_a_paused_journey_enrolls_no_one(demo_api: APIClient) -> None:
    journey_id = publish(demo_api, example("high_value_routing.json"))
    demo_api.post(f"/api/v1/journeys/{journey_id}/pause/", {}, format="json")
    demo_api.post("/api/v1/track/", {"userId": "x", "event": "new_model_launched"}, format="json")
    assert not Enrollment.objects.exists()


def test_enroll_endpoint(api: APIClient) -> None:
    journey_id = publish(api, minimal_journey())
    for external_id in ("a", "b"):
        api.post("/api/v1/contacts/", {"external_id": external_id}, format="json")
    url = f"/api/v1/journeys/{journey_id}/enroll/"
    response = api.post(url, {"contacts": ["a", "b", "ghost", "a"]}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "enrolled": 2,
        "skipped": [{"contact": "ghost", "reason": "unknown_contact"}],
    }
    again = api.post(url, {"contacts": ["a"]}, format="json").json()
    assert again == {"enrolled": 0, "skipped": [{"contact": "a", "reason": "already_enrolled"}]}


def test_enroll_refuses_drafts_and_other_triggers(demo_api: APIClient) -> None:
    draft = demo_api.post(
        "/api/v1/journeys/", {"name": "d", "definition": minimal_journey()}, format="json"
    ).json()["id"]
    assert (
        demo_api.post(
            f"/api/v1/journeys/{draft}/enroll/", {"contacts": ["x"]}, format="json"
        ).status_code
        == 409
    )
    evented = publish(demo_api, example("high_value_routing.json"))
    response = demo_api.post(
        f"/api/v1/journeys/{evented}/enroll/", {"contacts": ["x"]}, format="json"
    )
    assert response.status_code == 409
    assert "own trigger" in response.json()["detail"]


def test_enroll_is_scoped_to_the_workspace(api: APIClient, other_api: APIClient) -> None:
    journey_id = publish(api, minimal_journey())
    response = other_api.post(
        f"/api/v1/journeys/{journey_id}/enroll/", {"contacts": ["a"]}, format="json"
    )
    assert response.status_code == 404


def test_messages_and_enrollments_reads(demo_api: APIClient, other_api: APIClient) -> None:
    journey_id = publish(demo_api, example("high_value_routing.json"))
    vip_announces_a_launch(demo_api)
    tick(NOW)
    messages = demo_api.get(f"/api/v1/messages/?journey={journey_id}&contact=vip").json()
    [message] = messages["results"]
    assert (message["node"], message["account"], message["status"]) == (
        "vip_sms",
        "sms-enterprise",
        "sent",
    )
    enrollments = demo_api.get(f"/api/v1/enrollments/?journey={journey_id}").json()["results"]
    assert [(e["contact"], e["version"], e["status"]) for e in enrollments] == [
        ("vip", 1, "completed")
    ]
    assert demo_api.get("/api/v1/messages/?status=failed").json()["results"] == []
    assert demo_api.get("/api/v1/messages/?journey=abc").status_code == 400
    assert other_api.get("/api/v1/messages/").json()["results"] == []
    assert other_api.get("/api/v1/enrollments/").json()["results"] == []
