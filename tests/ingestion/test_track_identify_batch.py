"""Segment-compatible ingestion: dedup by messageId, Basic auth, traits, per-item batch results."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from core.models import Contact, Event, Workspace
from core.services.apikeys import create_api_key
from core.signals import event_recorded
from tests.conftest import ClientFactory

pytestmark = pytest.mark.django_db


def track(api: APIClient, **body: Any) -> Any:
    return api.post("/api/v1/track/", body, format="json")


def test_track_creates_the_contact_and_stores_the_event(api: APIClient) -> None:
    response = track(
        api,
        userId="u1",
        event="order_paid",
        properties={"total": 99},
        timestamp="2026-11-01T10:00:00+08:00",
    )
    assert response.json() == {"ok": True, "duplicate": False}
    event = Event.objects.select_related("contact").get()
    assert event.contact.external_id == "u1"
    assert event.properties == {"total": 99}
    assert event.occurred_at.isoformat() == "2026-11-01T02:00:00+00:00"


def test_numeric_user_ids_are_external_ids(api: APIClient) -> None:
    track(api, userId=42, event="x")
    assert Contact.objects.get().external_id == "42"


@pytest.fixture
def recorded_events() -> Iterator[list[Event]]:
    seen: list[Event] = []

    def receiver(sender: Any, event: Event, **kwargs: Any) -> None:
        seen.append(event)

    event_recorded.connect(receiver)
    yield seen
    event_recorded.disconnect(receiver)


def test_a_repeated_message_id_is_stored_once(
    api: APIClient, other_api: APIClient, recorded_events: list[Event]
) -> None:
    assert track(api, userId="u1", event="x", messageId="m-1").json()["duplicate"] is False
    assert track(api, userId="u1", event="x", messageId="m-1").json() == {
        "ok": True,
        "duplicate": True,
    }
    batch = api.post(
        "/api/v1/batch/",
        {"batch": [{"type": "track", "userId": "u1", "event": "x", "messageId": "m-1"}]},
        format="json",
    )
    assert batch.json()["results"][0]["duplicate"] is True
    assert Event.objects.filter(workspace__slug="acme").count() == 1
    assert len(recorded_events) == 1
    # The same id in another workspace is that workspace's own event.
    assert track(other_api, userId="u1", event="x", messageId="m-1").json()["duplicate"] is False


def test_unknown_segment_fields_are_kept(api: APIClient) -> None:
    response = track(
        api,
        userId="u1",
        event="x",
        anonymousId="anon",
        context={"ip": "1.2.3.4"},
        integrations={"All": True},
        sentAt="2026-11-01T00:00:00Z",
    )
    assert response.status_code == 200
    assert Event.objects.get().extra == {
        "anonymousId": "anon",
        "context": {"ip": "1.2.3.4"},
        "integrations": {"All": True},
        "sentAt": "2026-11-01T00:00:00Z",
    }


@pytest.mark.parametrize("body", [{"event": "x"}, {"userId": "u1"}, {"userId": "", "event": "x"}])
def test_track_without_user_or_event_is_a_400(api: APIClient, body: dict[str, Any]) -> None:
    assert track(api, **body).status_code == 400
    assert not Event.objects.exists()


def test_identify_maps_traits(api: APIClient) -> None:
    api.post("/api/v1/identify/", {"userId": "u1", "traits": {"plan": "pro"}}, format="json")
    response = api.post(
        "/api/v1/identify/",
        {
            "userId": "u1",
            "traits": {
                "email": "li@example.com",
                "firstName": "Li",
                "lastName": "Wei",
                "phone": "+8613800000000",
                "timezone": "Asia/Shanghai",
                "locale": "zh-Hans",
                "city": "Shenzhen",
            },
        },
        format="json",
    )
    assert response.status_code == 200
    contact = Contact.objects.get()
    assert (contact.email, contact.first_name, contact.last_name) == ("li@example.com", "Li", "Wei")
    assert contact.timezone == "Asia/Shanghai"
    assert contact.attributes == {"plan": "pro", "city": "Shenzhen"}


def test_identify_with_a_bad_trait_is_a_400(api: APIClient) -> None:
    response = api.post(
        "/api/v1/identify/", {"userId": "u1", "traits": {"email": "nope"}}, format="json"
    )
    assert response.status_code == 400
    assert "traits" in response.json()


def test_batch_reports_each_item(api: APIClient) -> None:
    items = [
        {"type": "track", "userId": "u1", "event": "a"},
        {"type": "identify", "userId": "u1", "traits": {"plan": "pro"}},
        {"type": "page", "userId": "u1"},
        "not an object",
        {"type": "track", "event": "no user"},
    ]
    results = api.post("/api/v1/batch/", {"batch": items}, format="json").json()["results"]
    assert [r["ok"] for r in results] == [True, True, False, False, False]
    assert "userId" in results[4]["errors"]
    assert Event.objects.count() == 1
    assert Contact.objects.get().attributes == {"plan": "pro"}


@override_settings(TOUCHFLOW={"MAX_BATCH_ITEMS": 2})
def test_batch_over_the_limit_is_a_400(api: APIClient) -> None:
    items = [{"type": "track", "userId": "u", "event": "e"}] * 3
    assert api.post("/api/v1/batch/", {"batch": items}, format="json").status_code == 400
    assert not Event.objects.exists()


def basic_client(workspace: Workspace, scopes: tuple[str, ...] = ("ingest",)) -> APIClient:
    _, raw = create_api_key(workspace, scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{raw}:".encode()).decode())
    return client


def test_basic_auth_works_on_segment_endpoints_only(workspace: Workspace) -> None:
    client = basic_client(workspace, scopes=("read", "write", "ingest"))
    assert track(client, userId="u1", event="x").status_code == 200
    assert client.post("/api/v1/identify/", {"userId": "u1"}, format="json").status_code == 200
    assert client.post("/api/v1/batch/", {"batch": []}, format="json").status_code == 200
    assert client.get("/api/v1/journeys/").status_code == 401
    assert client.get("/api/v1/contacts/u1/").status_code == 401


def test_malformed_input_is_a_400(api: APIClient) -> None:
    assert api.post("/api/v1/track/", "{oops", content_type="application/json").status_code == 400
    assert api.post("/api/v1/track/", [1, 2], format="json").status_code == 400
    assert api.post("/api/v1/batch/", {"batch": "x"}, format="json").status_code == 400


def test_ingest_scopes(workspace: Workspace, make_client: ClientFactory) -> None:
    reader = make_client(workspace, scopes=("read",))
    ingester = make_client(workspace, scopes=("ingest",))
    assert track(reader, userId="u1", event="x").status_code == 403
    assert track(ingester, userId="u1", event="x").status_code == 200
    assert ingester.get("/api/v1/events/").status_code == 403
    assert APIClient().post("/api/v1/track/", {}, format="json").status_code == 401


def test_events_list_filters_and_isolation(api: APIClient, other_api: APIClient) -> None:
    for name in ("a", "b", "a"):
        track(api, userId="u1", event=name)
    track(api, userId="u2", event="a")
    listing = api.get("/api/v1/events/?contact=u1&name=a&limit=1").json()
    assert len(listing["results"]) == 1
    assert listing["next"] is not None
    assert listing["results"][0]["contact"] == "u1"
    assert api.get("/api/v1/events/?limit=100").json()["results"][0]["name"] == "a"  # newest
    assert other_api.get("/api/v1/events/").json()["results"] == []
