"""`GET /contacts/{external_id}/timeline/`: why did this person get this message?"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from channels_plugins.models import Message
from core.models import Workspace
from core.services.events import track as record
from journeys.engine.tick import tick
from tests.conftest import ClientFactory
from tests.journeys.builders import JourneyBuilder

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, outside quiet hours


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


@pytest.fixture
def api(demo: Workspace, make_client: ClientFactory) -> APIClient:
    return make_client(demo)


def welcome_journey() -> dict[str, Any]:
    document = (
        JourneyBuilder()
        .entry(trigger={"kind": "event", "event": "joined_club"})
        .node("vip", "condition", {"rule": {"tag": "vip"}})
        .node(
            "push1",
            "send",
            {"channel": "push", "account": "push-main", "params": {"title": "Hi", "body": "Hello"}},
        )
        .node("pause", "wait", {"duration": "PT1H"})
        .exit()
        .edge("start", "vip")
        .edge("vip", "push1", "yes")
        .edge("vip", "done", "no")
        .chain("push1", "pause", "done")
        .build()
    )
    document["nodes"][2]["label"] = "Welcome push"
    return document


def track(api: APIClient, at: datetime, who: str, event: str, **properties: Any) -> None:
    with time_machine.travel(at, tick=False):
        body = {"userId": who, "event": event, "properties": properties, "timestamp": iso(at)}
        assert api.post("/api/v1/track/", body, format="json").status_code == 200


@pytest.fixture
def journey_id(api: APIClient) -> int:
    created = api.post(
        "/api/v1/journeys/", {"name": "Welcome", "definition": welcome_journey()}, format="json"
    )
    journey_id: int = created.json()["id"]
    assert api.post(f"/api/v1/journeys/{journey_id}/publish/", {}, format="json").status_code == 201
    contact = {
        "external_id": "ann",
        "timezone": "Asia/Shanghai",
        "tags": ["vip"],
        "push_tokens": [{"provider": "sandbox", "token": "t-ann"}],
    }
    assert api.post("/api/v1/contacts/", contact, format="json").status_code == 201
    track(api, NOW, "ann", "joined_club", plan="gold")
    tick(NOW)
    push = Message.objects.get()
    track(api, NOW + timedelta(minutes=30), "ann", "message.opened", message_id=push.pk)
    tick(NOW + timedelta(hours=1))
    return journey_id


def timeline(api: APIClient, query: str = "", who: str = "ann") -> dict[str, Any]:
    response = api.get(f"/api/v1/contacts/{who}/timeline/{query}")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def summary(item: dict[str, Any]) -> tuple[Any, ...]:
    kind = item["kind"]
    if kind == "event":
        return (kind, item["name"])
    if kind == "step":
        return (kind, item["node"], item["port"])
    if kind == "message":
        return (kind, item["node"], item["status"])
    return (kind, item["status"])


def test_the_story_of_one_contact_in_order(api: APIClient, journey_id: int) -> None:
    body = timeline(api)
    assert body["next"] is None
    assert body["previous"] is None
    items = body["results"]
    assert [summary(item) for item in items] == [
        ("event", "joined_club"),
        ("enrollment.entered", "completed"),
        ("step", "start", "next"),
        ("step", "vip", "yes"),
        ("step", "push1", "next"),
        ("message", "push1", "opened"),
        ("event", "message.opened"),
        ("step", "pause", "next"),
        ("step", "done", ""),
        ("enrollment.finished", "completed"),
    ]
    times = [item["at"] for item in items]
    assert (
        times
        == [iso(NOW)] * 6 + [iso(NOW + timedelta(minutes=30))] + [iso(NOW + timedelta(hours=1))] * 3
    )

    event, entered, _, rule, send, message, opened, *_, finished = items
    journey = {"id": journey_id, "name": "Welcome"}
    assert event["properties"] == {"plan": "gold"}
    assert entered["journey"] == journey
    assert entered["version"] == 1
    assert entered["trigger"] == {
        "kind": "event",
        "event": {"id": event["id"], "name": "joined_club", "properties": {"plan": "gold"}},
    }
    assert (rule["node_type"], rule["journey"], rule["detail"]) == ("condition", journey, {})
    assert (send["node_type"], send["label"]) == ("send", "Welcome push")
    assert send["enrollment"] == entered["enrollment"] == message["enrollment"]
    assert message["journey"] == journey
    assert message["account"] == "push-main"
    assert message["channel"] == "push"
    assert message["sent_at"] == iso(NOW)
    assert message["content"] == {"title": "Hi", "body": "Hello"}
    assert opened["properties"] == {"message_id": message["id"]}
    assert (finished["node"], finished["error"]) == ("done", "")


def test_pages_follow_next_and_previous(api: APIClient, journey_id: int) -> None:
    everything = timeline(api)["results"]
    pages = []
    url: str | None = "/api/v1/contacts/ann/timeline/?limit=4"
    while url is not None:
        page = api.get(url).json()
        pages.append(page)
        url = page["next"]
    assert [len(page["results"]) for page in pages] == [4, 4, 2]
    assert [item for page in pages for item in page["results"]] == everything
    assert pages[0]["previous"] is None
    back = api.get(pages[2]["previous"]).json()
    assert back["results"] == pages[1]["results"]
    assert api.get(back["previous"]).json()["results"] == pages[0]["results"]
    assert api.get(back["next"]).json()["results"] == pages[2]["results"]


def test_newest_first_and_time_filters(api: APIClient, journey_id: int) -> None:
    everything = timeline(api)["results"]
    assert timeline(api, "?order=desc")["results"] == everything[::-1]
    newest = timeline(api, "?order=desc&limit=3")
    assert newest["results"] == everything[::-1][:3]
    assert api.get(newest["next"]).json()["results"] == everything[::-1][3:6]
    after = iso(NOW + timedelta(minutes=30)).replace("+", "%2B")
    assert timeline(api, f"?after={after}")["results"] == everything[6:]
    assert timeline(api, f"?before={after}")["results"] == everything[:6]


def test_bad_parameters_are_400s(api: APIClient, journey_id: int) -> None:
    api.raise_request_exception = False
    for query in ("?limit=0", "?limit=501", "?order=up", "?after=yesterday", "?cursor=abc"):
        response = api.get(f"/api/v1/contacts/ann/timeline/{query}")
        assert response.status_code == 400, query
    forged = "WyIyMDI2LTExLTAyVDAxOjAwOjAwIiwgOSwgMSwgMV0"  # a naive time and an unknown rank
    assert api.get(f"/api/v1/contacts/ann/timeline/?cursor={forged}").status_code == 400


def test_unknown_and_foreign_contacts_are_404s(
    api: APIClient, journey_id: int, other_api: APIClient, make_client: ClientFactory
) -> None:
    api.raise_request_exception = False
    other_api.raise_request_exception = False
    assert api.get("/api/v1/contacts/nobody/timeline/").status_code == 404
    assert other_api.get("/api/v1/contacts/ann/timeline/").status_code == 404


def test_read_scope_is_enough_and_needed(
    demo: Workspace, journey_id: int, make_client: ClientFactory
) -> None:
    assert make_client(demo, scopes=("read",)).get(
        "/api/v1/contacts/ann/timeline/"
    ).status_code == (200)
    ingester = make_client(demo, scopes=("ingest",))
    assert ingester.get("/api/v1/contacts/ann/timeline/").status_code == 403


def test_external_ids_with_slashes_and_the_contact_detail_route(
    api: APIClient, demo: Workspace
) -> None:
    record(demo, user_id="team/ann", event="hello", timestamp=NOW)
    body = timeline(api, who="team/ann")
    assert [item["name"] for item in body["results"]] == ["hello"]
    assert api.get("/api/v1/contacts/team/ann/").json()["external_id"] == "team/ann"


@pytest.mark.parametrize("events", [1, 300])
def test_a_fixed_number_of_queries_for_any_history(
    api: APIClient,
    demo: Workspace,
    journey_id: int,
    events: int,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(events):
        record(demo, user_id="ann", event=f"viewed_{i % 7}", timestamp=NOW + timedelta(seconds=i))
    with django_assert_max_num_queries(10):
        body = timeline(api, "?limit=500")
    assert len(body["results"]) == 10 + events


def test_a_skipped_message_keeps_its_reason_and_a_live_enrollment_says_where_it_waits(
    api: APIClient, journey_id: int
) -> None:
    contact = {"external_id": "bob", "timezone": "Asia/Shanghai", "tags": ["vip"]}  # no token
    assert api.post("/api/v1/contacts/", contact, format="json").status_code == 201
    track(api, NOW, "bob", "joined_club")
    tick(NOW)
    items = timeline(api, who="bob")["results"]
    assert [summary(item) for item in items] == [
        ("event", "joined_club"),
        ("enrollment.entered", "waiting"),
        ("step", "start", "next"),
        ("step", "vip", "yes"),
        ("step", "push1", "next"),
        ("message", "push1", "skipped"),
    ]
    entered, message = items[1], items[-1]
    assert (entered["node"], entered["wake_at"]) == ("pause", iso(NOW + timedelta(hours=1)))
    assert entered["trigger"]["event"] == {
        "id": items[0]["id"],
        "name": "joined_club",
        "properties": {},
    }
    assert (message["reason"], message["sent_at"]) == ("no_address", None)
