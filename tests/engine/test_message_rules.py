"""`message` rule leaves: in a journey, this enrollment's message; in a segment, any journey's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from channels_plugins.models import Message
from core.models import Workspace
from journeys.demo import DEMO_SLUG, load_demo
from journeys.engine.tick import tick
from journeys.models import Enrollment, StepLog
from tests.conftest import ClientFactory
from tests.journeys.builders import JourneyBuilder

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)


@pytest.fixture
def api(make_client: ClientFactory) -> APIClient:
    load_demo()
    client = make_client(Workspace.objects.get(slug=DEMO_SLUG))
    for who in ("opens", "clicks", "ignores"):
        body = {
            "external_id": who,
            "timezone": "Asia/Shanghai",
            "push_tokens": [{"provider": "sandbox", "token": f"t-{who}"}],
        }
        assert client.post("/api/v1/contacts/", body, format="json").status_code < 300
    return client


def journey(api: APIClient) -> int:
    params = {"title": "t", "body": "b"}
    document = (
        JourneyBuilder()
        .entry()
        .node("push1", "send", {"channel": "push", "account": "push-main", "params": params})
        .node("pause", "wait", {"duration": "PT1H"})
        .node("opened", "condition", {"rule": {"message": {"node": "push1", "status": "opened"}}})
        .exit("engaged")
        .exit("silent")
        .chain("start", "push1", "pause", "opened")
        .edge("opened", "engaged", "yes")
        .edge("opened", "silent", "no")
        .build()
    )
    created = api.post("/api/v1/journeys/", {"name": "m", "definition": document}, format="json")
    journey_id = int(created.json()["id"])
    assert api.post(f"/api/v1/journeys/{journey_id}/publish/", {}, format="json").status_code == 201
    return journey_id


def track(api: APIClient, who: str, event: str, properties: dict[str, Any]) -> None:
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        body = {"userId": who, "event": event, "properties": properties}
        assert api.post("/api/v1/track/", body, format="json").status_code == 200


def run_journey(api: APIClient) -> int:
    journey_id = journey(api)
    with time_machine.travel(NOW, tick=False):
        body = {"contacts": ["opens", "clicks", "ignores"]}
        api.post(f"/api/v1/journeys/{journey_id}/enroll/", body, format="json")
    tick(NOW)
    pushes = dict(Message.objects.values_list("contact__external_id", "pk"))
    track(api, "opens", "message.opened", {"message_id": pushes["opens"]})
    track(api, "clicks", "message.clicked", {"message_id": pushes["clicks"]})
    tick(NOW + timedelta(hours=1))
    return journey_id


def test_a_condition_on_this_journeys_message_reads_the_enrollments_own_message(
    api: APIClient,
) -> None:
    run_journey(api)
    exits = {
        step.enrollment.contact.external_id: step.node_id
        for step in StepLog.objects.filter(port="").select_related("enrollment__contact")
    }
    # A click is later than an open in a message's life: it counts as opened too.
    assert exits == {"opens": "engaged", "clicks": "engaged", "ignores": "silent"}
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"completed"}


def test_a_segment_can_name_another_journeys_message(api: APIClient) -> None:
    journey_id = run_journey(api)
    rule = {"message": {"journey": journey_id, "node": "push1", "status": "clicked"}}
    created = api.post("/api/v1/segments/", {"key": "clickers", "rule": rule}, format="json")
    assert created.status_code == 201, created.content
    preview = api.get("/api/v1/segments/clickers/preview/").json()
    assert preview["count"] == 1
    assert [contact["external_id"] for contact in preview["sample"]] == ["clicks"]
