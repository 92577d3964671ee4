"""`GET /journeys/{id}/stats/`: exact figures for journeys driven through the API and tick."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from channels_plugins.models import Message
from core.models import Workspace
from journeys.engine.tick import tick
from journeys.models import Enrollment
from tests.conftest import ClientFactory
from tests.journeys.builders import JourneyBuilder
from tests.support.system import shared_examples_dir

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, outside quiet hours
ZEROS = {
    "entered": 0,
    "waiting": 0,
    "passed": 0,
    "sent": 0,
    "delivered": 0,
    "opened": 0,
    "clicked": 0,
    "failed": 0,
    "skipped": 0,
    "converted": 0,
}


def figures(ports: dict[str, int] | None = None, **counts: int) -> dict[str, Any]:
    return {**ZEROS, **counts, "ports": ports or {}}


@pytest.fixture
def api(demo: Workspace, make_client: ClientFactory) -> APIClient:
    return make_client(demo)


def publish(api: APIClient, document: dict[str, Any], journey_id: int | None = None) -> int:
    if journey_id is None:
        created = api.post(
            "/api/v1/journeys/", {"name": "j", "definition": document}, format="json"
        )
        assert created.status_code == 201, created.content
        journey_id = created.json()["id"]
    else:
        rev = api.get(f"/api/v1/journeys/{journey_id}/").json()["rev"]
        patch = {"rev": rev, "definition": document}
        changed = api.patch(f"/api/v1/journeys/{journey_id}/", patch, format="json")
        assert changed.status_code == 200, changed.content
    published = api.post(f"/api/v1/journeys/{journey_id}/publish/", {}, format="json")
    assert published.status_code == 201, published.content
    return journey_id


def contact(api: APIClient, external_id: str, **fields: Any) -> None:
    body = {"external_id": external_id, "timezone": "Asia/Shanghai", **fields}
    assert api.post("/api/v1/contacts/", body, format="json").status_code == 201


def track(api: APIClient, at: datetime, who: str, event: str, **properties: Any) -> None:
    with time_machine.travel(at, tick=False):
        body = {"userId": who, "event": event, "properties": properties, "timestamp": at}
        assert api.post("/api/v1/track/", body, format="json").status_code == 200


def stats(api: APIClient, journey_id: int, query: str = "") -> dict[str, Any]:
    response = api.get(f"/api/v1/journeys/{journey_id}/stats/{query}")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def welcome_journey() -> dict[str, Any]:
    """VIPs get a push (and wait two hours for its open); others a day's wait, then an SMS."""
    document = (
        JourneyBuilder()
        .entry(trigger={"kind": "event", "event": "joined_club"})
        .node("vip", "condition", {"rule": {"tag": "vip"}})
        .node(
            "push1",
            "send",
            {
                "channel": "push",
                "account": "push-main",
                # Divides by the contact's `divisor`: 0 makes the template fail (a failed message).
                "params": {"title": "Hi", "body": "{{ 10 // contact.attributes.divisor }} perks"},
            },
        )
        .node(
            "listen",
            "wait_event",
            {"event": "message.opened", "where": {"node": "push1"}, "timeout": "PT2H"},
        )
        .node("pause", "wait", {"duration": "P1D"})
        .node(
            "sms1",
            "send",
            {"channel": "sms", "account": "sms-main", "params": {"body": "Welcome"}},
        )
        .exit()
        .edge("start", "vip")
        .edge("vip", "push1", "yes")
        .edge("vip", "pause", "no")
        .chain("push1", "listen")
        .edge("listen", "done", "received")
        .edge("listen", "done", "timeout")
        .chain("pause", "sms1", "done")
        .build()
    )
    document["settings"] = {"goal": {"event": "order_paid", "within": "P3D"}}
    return document


@pytest.fixture
def welcome(api: APIClient) -> int:
    journey_id = publish(api, welcome_journey())
    token = [{"provider": "sandbox", "token": "t"}]
    contact(api, "v1", tags=["vip"], push_tokens=token, attributes={"divisor": 1})
    contact(api, "v2", tags=["vip"], push_tokens=token, attributes={"divisor": 1})
    contact(api, "v3", tags=["vip"], attributes={"divisor": 1})  # no token: skipped
    contact(api, "v4", tags=["vip"], push_tokens=token, attributes={"divisor": 0})  # fails
    contact(api, "n1", phone="+8613800000011")
    contact(api, "n2", phone="+8613800000012")  # converts while waiting
    contact(api, "n3")  # no phone: SMS skipped; converts after finishing
    for who in ("v1", "v2", "v3", "v4", "n1", "n2", "n3"):
        track(api, NOW, who, "joined_club")
    tick(NOW)
    pushes = {m.contact.external_id: m.pk for m in Message.objects.select_related("contact")}
    track(api, NOW + timedelta(minutes=30), "v1", "message.opened", message_id=pushes["v1"])
    tick(NOW + timedelta(minutes=30))
    track(api, NOW + timedelta(minutes=40), "v2", "message.clicked", message_id=pushes["v2"])
    track(api, NOW + timedelta(hours=1), "v1", "order_paid")
    return journey_id


def test_figures_midway_count_who_waits_where(api: APIClient, welcome: int) -> None:
    body = stats(api, welcome)
    assert body["journey"] == welcome
    assert body["conversions"] == {"count": 1, "rate": round(1 / 7, 4)}
    [version] = body["versions"]
    assert version["version"] == 1
    assert version["enrollments"] == 7
    assert version["nodes"] == {
        "start": figures({"next": 7}, entered=7, passed=7, converted=1),
        "vip": figures({"yes": 4, "no": 3}, entered=7, passed=7, converted=1),
        "push1": figures(
            {"next": 4},
            entered=4,
            passed=4,
            sent=2,
            delivered=2,
            opened=2,
            clicked=1,
            failed=1,
            skipped=1,
            converted=1,
        ),
        "listen": figures(
            {"received": 1, "timeout": 0}, entered=4, waiting=3, passed=1, converted=1
        ),
        "pause": figures({"next": 0}, entered=3, waiting=3),
        "sms1": figures({"next": 0}),
        "done": figures(entered=1, passed=1, converted=1),
    }


def test_final_figures_include_conversions_after_the_end(api: APIClient, welcome: int) -> None:
    tick(NOW + timedelta(hours=2))
    track(api, NOW + timedelta(hours=5), "n2", "order_paid")  # ends n2 at `pause`
    tick(NOW + timedelta(days=1))
    track(api, NOW + timedelta(days=2), "n3", "order_paid")  # after finishing, within P3D
    track(api, NOW + timedelta(days=4), "n1", "order_paid")  # too late to count
    assert Enrollment.objects.get(contact__external_id="n2").status == "converted"

    body = stats(api, welcome)
    assert body["conversions"] == {"count": 3, "rate": round(3 / 7, 4)}
    nodes = body["versions"][0]["nodes"]
    assert nodes["start"] == figures({"next": 7}, entered=7, passed=7, converted=3)
    assert nodes["vip"] == figures({"yes": 4, "no": 3}, entered=7, passed=7, converted=3)
    assert nodes["listen"] == figures(
        {"received": 1, "timeout": 3}, entered=4, passed=4, converted=1
    )
    # n2 stopped at `pause` when it converted: it entered and converted there, never passed.
    assert nodes["pause"] == figures({"next": 2}, entered=3, passed=2, converted=2)
    assert nodes["sms1"] == figures(
        {"next": 2}, entered=2, passed=2, sent=1, skipped=1, converted=1
    )
    assert nodes["done"] == figures(entered=6, passed=6, converted=2)


def test_the_version_filter_and_unknown_versions(api: APIClient, welcome: int) -> None:
    assert stats(api, welcome, "?version=1")["versions"][0]["version"] == 1
    api.raise_request_exception = False
    missing = api.get(f"/api/v1/journeys/{welcome}/stats/?version=2")
    assert missing.status_code == 404
    assert "no version 2" in missing.json()["detail"]
    for bad in ("abc", "-1", "1.5", "9" * 30):
        response = api.get(f"/api/v1/journeys/{welcome}/stats/?version={bad}")
        assert response.status_code == 400, bad
        assert "version" in response.json()


def test_two_versions_are_reported_separately(api: APIClient) -> None:
    first = JourneyBuilder().entry().exit().chain("start", "done").build()
    journey_id = publish(api, first)
    for who in ("a", "b"):
        contact(api, who)
    with time_machine.travel(NOW, tick=False):
        enrolled = api.post(
            f"/api/v1/journeys/{journey_id}/enroll/", {"contacts": ["a", "b"]}, format="json"
        )
    assert enrolled.json()["enrolled"] == 2
    tick(NOW)
    second = (
        JourneyBuilder()
        .entry()
        .node("tag", "update_contact", {"add_tags": ["welcomed"]})
        .node("later", "wait", {"duration": "P1D"})
        .exit()
        .chain("start", "tag", "later", "done")
        .build()
    )
    publish(api, second, journey_id)
    for who in ("c", "d", "e"):
        contact(api, who)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        api.post(
            f"/api/v1/journeys/{journey_id}/enroll/",
            {"contacts": ["c", "d", "e"]},
            format="json",
        )
    tick(NOW + timedelta(hours=1))

    body = stats(api, journey_id)
    assert [v["version"] for v in body["versions"]] == [2, 1]
    newest, oldest = body["versions"]
    assert newest["enrollments"] == 3
    assert newest["nodes"] == {
        "start": figures({"next": 3}, entered=3, passed=3),
        "tag": figures({"next": 3}, entered=3, passed=3),
        "later": figures({"next": 0}, entered=3, waiting=3),
        "done": figures(),
    }
    assert oldest["enrollments"] == 2
    assert oldest["nodes"] == {
        "start": figures({"next": 2}, entered=2, passed=2),
        "done": figures(entered=2, passed=2),
    }
    assert body["conversions"] == {"count": 0, "rate": 0.0}
    only_first = stats(api, journey_id, "?version=1")
    assert only_first["versions"] == [oldest]


def sms_journey(body: str) -> dict[str, Any]:
    return (
        JourneyBuilder()
        .entry()
        .node("sms1", "send", {"channel": "sms", "account": "sms-main", "params": {"body": body}})
        .exit()
        .chain("start", "sms1", "done")
        .build()
    )


def test_messages_are_counted_for_their_version(api: APIClient) -> None:
    """One version: messages need no per-message version lookup; two: each message counts for
    its own enrollment's version, in the whole report and under `?version=`."""
    journey_id = publish(api, sms_journey("One"))
    for who in ("a", "b", "c"):
        contact(api, who, phone=f"+86138000000{ord(who)}")
    with time_machine.travel(NOW, tick=False):
        api.post(f"/api/v1/journeys/{journey_id}/enroll/", {"contacts": ["a", "b"]}, format="json")
    tick(NOW)
    sent_once = figures({"next": 2}, entered=2, passed=2, sent=2)
    assert stats(api, journey_id)["versions"][0]["nodes"]["sms1"] == sent_once

    publish(api, sms_journey("Two"), journey_id)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        api.post(f"/api/v1/journeys/{journey_id}/enroll/", {"contacts": ["c"]}, format="json")
    tick(NOW + timedelta(hours=1))
    newest, oldest = stats(api, journey_id)["versions"]
    assert newest["nodes"]["sms1"] == figures({"next": 1}, entered=1, passed=1, sent=1)
    assert oldest["nodes"]["sms1"] == sent_once
    assert stats(api, journey_id, "?version=1")["versions"] == [oldest]


def test_split_conversions_per_variant(api: APIClient) -> None:
    document = json.loads((shared_examples_dir() / "cart_abc_test.json").read_text())
    journey_id = publish(api, document)
    people = [f"p{i}" for i in range(24)]
    for who in people:
        contact(api, who, push_tokens=[{"provider": "sandbox", "token": who}])
        track(api, NOW, who, "cart_abandoned", product_name="Kettle")
    tick(NOW)
    variant = {
        e.contact.external_id: e.context["variants"]["ab"]
        for e in Enrollment.objects.select_related("contact")
    }
    assert set(variant.values()) == {"A", "B", "C"}  # 24 people reach every variant
    buyers = people[::3]  # within the window
    for who in buyers:
        track(api, NOW + timedelta(days=1), who, "order_paid")
    for who in people[1::3]:
        track(api, NOW + timedelta(days=5), who, "order_paid")  # too late

    body = stats(api, journey_id)
    per_variant = {key: sorted(p for p in people if variant[p] == key) for key in "ABC"}
    converted = {key: len([p for p in buyers if variant[p] == key]) for key in "ABC"}
    split = body["versions"][0]["nodes"]["ab"]
    assert split["ports"] == {key: len(per_variant[key]) for key in "ABC"}
    assert split["port_conversions"] == converted
    assert split["converted"] == len(buyers)
    for key, node_id in (("A", "discount"), ("B", "reviews"), ("C", "trial")):
        node = body["versions"][0]["nodes"][node_id]
        assert node["sent"] == len(per_variant[key])
        assert node["converted"] == converted[key]
        assert "port_conversions" not in node
    assert body["conversions"] == {"count": len(buyers), "rate": round(len(buyers) / 24, 4)}


def test_a_draft_never_published_has_no_versions(api: APIClient) -> None:
    created = api.post("/api/v1/journeys/", {"name": "draft"}, format="json")
    body = stats(api, created.json()["id"])
    assert body["versions"] == []
    assert body["conversions"] == {"count": 0, "rate": 0.0}


def test_stats_are_scoped_to_the_workspace_and_need_read(
    api: APIClient, demo: Workspace, welcome: int, other_api: APIClient, make_client: ClientFactory
) -> None:
    other_api.raise_request_exception = False
    assert other_api.get(f"/api/v1/journeys/{welcome}/stats/").status_code == 404
    assert api.get("/api/v1/journeys/999999/stats/").status_code == 404
    reader = make_client(demo, scopes=("read",))
    assert reader.get(f"/api/v1/journeys/{welcome}/stats/").status_code == 200
    ingester = make_client(demo, scopes=("ingest",))
    assert ingester.get(f"/api/v1/journeys/{welcome}/stats/").status_code == 403


def long_chain(length: int) -> dict[str, Any]:
    builder = JourneyBuilder().entry()
    names = [f"step{i}" for i in range(length)]
    for name in names:
        builder.node(name, "update_contact", {"add_tags": [name]})
    return builder.exit().chain("start", *names, "done").build()


@pytest.mark.parametrize(("nodes", "contacts"), [(1, 1), (40, 60)])
def test_the_number_of_queries_does_not_grow_with_nodes_or_contacts(
    api: APIClient,
    django_assert_max_num_queries: Any,
    nodes: int,
    contacts: int,
) -> None:
    journey_id = publish(api, long_chain(nodes))
    people = [f"q{i}" for i in range(contacts)]
    for who in people:
        contact(api, who)
    with time_machine.travel(NOW, tick=False):
        api.post(f"/api/v1/journeys/{journey_id}/enroll/", {"contacts": people}, format="json")
    tick(NOW)
    publish(api, long_chain(nodes + 1), journey_id)  # a second version to report too
    with django_assert_max_num_queries(5) as captured:
        body = stats(api, journey_id)
    assert body["versions"][1]["nodes"]["done"]["entered"] == contacts
    # Every figure comes from one statement, so they agree even while workers write.
    reading_rows = [
        q["sql"]
        for q in captured.captured_queries
        if "journeys_steplog" in q["sql"] or "channels_plugins_message" in q["sql"]
    ]
    assert len(reading_rows) == 1
    assert "journeys_enrollment" in reading_rows[0]
