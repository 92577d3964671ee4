"""Segment-compatible ingestion: track, identify, batch, dedup, auth and the event signal."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import override_settings
from rest_framework.test import APIClient

from core.models import Contact, Event, Workspace
from core.services.apikeys import create_api_key
from core.signals import event_recorded
from tests.conftest import ClientFactory

pytestmark = pytest.mark.django_db

TRACK = "/api/v1/track/"
IDENTIFY = "/api/v1/identify/"
BATCH = "/api/v1/batch/"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def post(api: APIClient, url: str, body: Any) -> Any:
    return api.post(url, body, format="json")


def contacts(workspace: Workspace) -> dict[str, Contact]:
    return {c.external_id: c for c in Contact.objects.filter(workspace=workspace)}


@pytest.fixture
def recorded() -> Iterator[list[Event]]:
    seen: list[Event] = []

    def receiver(sender: Any, workspace: Workspace, event: Event, **kwargs: Any) -> None:
        assert event.pk is not None
        assert event.workspace_id == workspace.pk
        seen.append(event)

    event_recorded.connect(receiver, dispatch_uid="tests.domain.recorded")
    yield seen
    event_recorded.disconnect(dispatch_uid="tests.domain.recorded")


# --- track ----------------------------------------------------------------------------------


def test_track_creates_an_unseen_contact_and_stores_the_event(
    api: APIClient, workspace: Workspace
) -> None:
    with time_machine.travel(NOW, tick=False):
        response = post(
            api,
            TRACK,
            {
                "userId": "u-1",
                "event": "product_viewed",
                "properties": {"category": "cosmetics", "price": 12.5, "tags": ["a"]},
                "timestamp": "2026-11-19T16:30:00+08:00",
                "messageId": "m-1",
            },
        )
    assert response.status_code == 200
    assert response.json() == {"ok": True, "duplicate": False}
    assert list(contacts(workspace)) == ["u-1"]
    event = Event.objects.select_related("contact").get(workspace=workspace)
    assert event.contact.external_id == "u-1"
    assert event.name == "product_viewed"
    assert event.properties == {"category": "cosmetics", "price": 12.5, "tags": ["a"]}
    assert event.occurred_at == datetime(2026, 11, 19, 8, 30, tzinfo=UTC)
    assert event.received_at == NOW
    assert event.source_id == "m-1"


def test_track_without_timestamp_happens_now(api: APIClient, workspace: Workspace) -> None:
    with time_machine.travel(NOW, tick=False):
        post(api, TRACK, {"userId": "u-1", "event": "app_opened"})
    event = Event.objects.get(workspace=workspace)
    assert event.occurred_at == NOW
    assert event.properties == {}
    assert event.source_id is None


def test_track_on_a_known_contact_reuses_it(api: APIClient, workspace: Workspace) -> None:
    api.post("/api/v1/contacts/", {"external_id": "u-1", "first_name": "Ann"}, format="json")
    post(api, TRACK, {"userId": "u-1", "event": "a"})
    post(api, TRACK, {"userId": "u-1", "event": "b"})
    assert list(contacts(workspace)) == ["u-1"]
    assert contacts(workspace)["u-1"].first_name == "Ann"
    assert Event.objects.filter(contact__external_id="u-1").count() == 2


def test_numeric_user_id_is_the_external_id(api: APIClient, workspace: Workspace) -> None:
    assert post(api, TRACK, {"userId": 12345, "event": "a"}).status_code == 200
    assert post(api, TRACK, {"userId": "12345", "event": "b"}).status_code == 200
    assert list(contacts(workspace)) == ["12345"]
    assert Event.objects.filter(contact__external_id="12345").count() == 2


def test_user_ids_are_kept_verbatim(api: APIClient, workspace: Workspace) -> None:
    post(api, TRACK, {"userId": " u-1 ", "event": "a"})
    post(api, TRACK, {"userId": "u-1", "event": "a"})
    assert set(contacts(workspace)) == {" u-1 ", "u-1"}


def test_a_repeated_message_id_is_stored_once(
    api: APIClient, workspace: Workspace, recorded: list[Event]
) -> None:
    first = post(
        api, TRACK, {"userId": "u-1", "event": "a", "messageId": "m-1", "properties": {"n": 1}}
    )
    second = post(
        api, TRACK, {"userId": "u-1", "event": "a", "messageId": "m-1", "properties": {"n": 2}}
    )
    assert first.json() == {"ok": True, "duplicate": False}
    assert second.status_code == 200
    assert second.json() == {"ok": True, "duplicate": True}
    event = Event.objects.get(workspace=workspace)
    assert event.properties == {"n": 1}
    assert [e.pk for e in recorded] == [event.pk]


def test_the_same_message_id_in_another_workspace_is_not_a_duplicate(
    api: APIClient,
    other_api: APIClient,
    workspace: Workspace,
    other_workspace: Workspace,
    recorded: list[Event],
) -> None:
    assert (
        post(api, TRACK, {"userId": "u-1", "event": "a", "messageId": "m-1"}).json()["duplicate"]
        is False
    )
    assert (
        post(other_api, TRACK, {"userId": "u-1", "event": "a", "messageId": "m-1"}).json()[
            "duplicate"
        ]
        is False
    )
    assert Event.objects.filter(workspace=workspace).count() == 1
    assert Event.objects.filter(workspace=other_workspace).count() == 1
    assert len(recorded) == 2


def test_event_recorded_fires_once_per_new_event(
    api: APIClient, workspace: Workspace, recorded: list[Event]
) -> None:
    post(api, TRACK, {"userId": "u-1", "event": "a"})
    post(api, TRACK, {"userId": "u-1", "event": "a"})  # no messageId: two events
    post(api, TRACK, {"userId": "u-1", "event": "b", "messageId": "m"})
    post(api, TRACK, {"userId": "u-1", "event": "b", "messageId": "m"})
    post(
        api,
        BATCH,
        {
            "batch": [
                {"type": "track", "userId": "u-2", "event": "c"},
                {"type": "track", "userId": "u-2", "event": "b", "messageId": "m"},
                {"type": "identify", "userId": "u-3", "traits": {"plan": "gold"}},
            ]
        },
    )
    stored = list(Event.objects.filter(workspace=workspace).order_by("pk"))
    assert [e.name for e in stored] == ["a", "a", "b", "c"]
    assert [e.pk for e in recorded] == [e.pk for e in stored]


def test_unknown_segment_fields_are_accepted_and_kept(api: APIClient, workspace: Workspace) -> None:
    segment_extras = {
        "anonymousId": "anon-7",
        "context": {"ip": "203.0.113.9", "library": {"name": "analytics-python"}},
        "integrations": {"All": True},
        "sentAt": "2026-11-19T08:30:01Z",
        "channel": "server",
        "version": 2,
    }
    response = post(api, TRACK, {"type": "track", "userId": "u-1", "event": "a", **segment_extras})
    assert response.status_code == 200
    assert Event.objects.get(workspace=workspace).extra == segment_extras


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event": "a"}, "userId"),
        ({"userId": None, "event": "a"}, "userId"),
        ({"userId": "", "event": "a"}, "userId"),
        ({"userId": True, "event": "a"}, "userId"),
        ({"userId": {"id": 1}, "event": "a"}, "userId"),
        ({"userId": "x" * 201, "event": "a"}, "userId"),
        ({"userId": "u-1"}, "event"),
        ({"userId": "u-1", "event": ""}, "event"),
        ({"userId": "u-1", "event": "a", "properties": ["x"]}, "properties"),
        ({"userId": "u-1", "event": "a", "timestamp": "yesterday"}, "timestamp"),
    ],
)
def test_invalid_track_is_located(
    api: APIClient, workspace: Workspace, body: dict[str, Any], field: str
) -> None:
    response = post(api, TRACK, body)
    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert not contacts(workspace)
    assert not Event.objects.exists()


@pytest.mark.parametrize("url", [TRACK, IDENTIFY, BATCH])
@pytest.mark.parametrize("body", ['{"userId": ', "[]", '"track"', "null"])
def test_malformed_or_non_object_bodies_are_400(api: APIClient, url: str, body: str) -> None:
    response = api.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert not Contact.objects.exists()


# --- identify -------------------------------------------------------------------------------


def test_identify_maps_traits_to_fields_and_merges_the_rest(
    api: APIClient, workspace: Workspace
) -> None:
    first = post(
        api,
        IDENTIFY,
        {
            "userId": "u-1",
            "traits": {
                "email": "ann@example.com",
                "phone": "+8613800000000",
                "firstName": "Ann",
                "lastName": "Lee",
                "timezone": "Asia/Shanghai",
                "locale": "zh-CN",
                "plan": "gold",
                "age": 27,
            },
            "context": {"ip": "203.0.113.9"},
        },
    )
    assert first.status_code == 200
    assert first.json()["ok"] is True
    contact = contacts(workspace)["u-1"]
    assert (
        contact.email,
        contact.phone,
        contact.first_name,
        contact.last_name,
        contact.timezone,
        contact.locale,
    ) == ("ann@example.com", "+8613800000000", "Ann", "Lee", "Asia/Shanghai", "zh-CN")
    assert contact.attributes == {"plan": "gold", "age": 27}

    second = post(
        api,
        IDENTIFY,
        {"userId": "u-1", "traits": {"first_name": "Annie", "age": 28, "city": "Shanghai"}},
    )
    assert second.status_code == 200
    contact.refresh_from_db()
    assert contact.first_name == "Annie"
    assert contact.email == "ann@example.com"
    assert contact.attributes == {"plan": "gold", "age": 28, "city": "Shanghai"}


def test_identify_without_traits_creates_the_contact(api: APIClient, workspace: Workspace) -> None:
    assert post(api, IDENTIFY, {"userId": "u-9"}).status_code == 200
    assert list(contacts(workspace)) == ["u-9"]
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("traits", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "13800000000"}, "phone"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ],
)
def test_invalid_traits_are_located_and_store_nothing(
    api: APIClient, workspace: Workspace, traits: dict[str, Any], field: str
) -> None:
    response = post(api, IDENTIFY, {"userId": "u-1", "traits": {**traits, "plan": "gold"}})
    assert response.status_code == 400
    assert set(response.json()) == {"traits"}
    assert set(response.json()["traits"]) == {field}
    assert not contacts(workspace)


def test_invalid_traits_leave_a_known_contact_unchanged(
    api: APIClient, workspace: Workspace
) -> None:
    post(api, IDENTIFY, {"userId": "u-1", "traits": {"email": "ann@example.com", "plan": "a"}})
    post(api, IDENTIFY, {"userId": "u-1", "traits": {"email": "nope", "plan": "b"}})
    contact = contacts(workspace)["u-1"]
    assert contact.email == "ann@example.com"
    assert contact.attributes == {"plan": "a"}


@pytest.mark.parametrize(
    ("body", "field"), [({"traits": {}}, "userId"), ({"userId": "u", "traits": []}, "traits")]
)
def test_invalid_identify_is_located(
    api: APIClient, workspace: Workspace, body: dict[str, Any], field: str
) -> None:
    response = post(api, IDENTIFY, body)
    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert not contacts(workspace)


# --- batch ----------------------------------------------------------------------------------


def test_batch_reports_each_item_and_stores_the_good_ones(
    api: APIClient, workspace: Workspace
) -> None:
    response = post(
        api,
        BATCH,
        {
            "batch": [
                {"type": "track", "userId": "u-1", "event": "a", "messageId": "m-1"},
                {"type": "identify", "userId": "u-2", "traits": {"firstName": "Bo", "vip": True}},
                {"type": "alias", "userId": "u-3", "previousId": "x"},
                "not an object",
                {"type": "track", "event": "no_user"},
                {"type": "identify", "userId": "u-4", "traits": {"email": "bad"}},
                {"userId": "u-5", "event": "untyped"},
                {"type": "track", "userId": "u-1", "event": "a", "messageId": "m-1"},
                {"type": "track", "userId": 7, "event": "b", "anonymousId": "anon"},
            ],
            "sentAt": "2026-11-19T08:30:01Z",
        },
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["index"] for r in results] == list(range(9))
    assert [r["ok"] for r in results] == [True, True, False, False, False, False, False, True, True]
    assert results[0]["duplicate"] is False
    assert results[7]["duplicate"] is True
    assert set(results[2]["errors"]) == {"type"}
    assert set(results[3]["errors"]) == {"type"}
    assert set(results[4]["errors"]) == {"userId"}
    assert results[5]["errors"] == {
        "traits": {"email": [results[5]["errors"]["traits"]["email"][0]]}
    }
    assert set(results[6]["errors"]) == {"type"}

    assert set(contacts(workspace)) == {"u-1", "u-2", "7"}
    assert contacts(workspace)["u-2"].first_name == "Bo"
    assert contacts(workspace)["u-2"].attributes == {"vip": True}
    events = Event.objects.filter(workspace=workspace).order_by("pk")
    assert [(e.contact.external_id, e.name) for e in events] == [("u-1", "a"), ("7", "b")]
    assert events[1].extra == {"anonymousId": "anon"}


def test_batch_over_the_limit_stores_nothing(api: APIClient, workspace: Workspace) -> None:
    items = [{"type": "track", "userId": f"u-{i}", "event": "a"} for i in range(4)]
    with override_settings(TOUCHFLOW={"MAX_BATCH_ITEMS": 3}):
        response = post(api, BATCH, {"batch": items})
        assert response.status_code == 400
        assert set(response.json()) == {"batch"}
        assert not contacts(workspace)
        assert post(api, BATCH, {"batch": items[:3]}).status_code == 200
    assert Event.objects.filter(workspace=workspace).count() == 3


@pytest.mark.parametrize("body", [{}, {"batch": {"type": "track"}}, {"batch": "x"}])
def test_batch_needs_a_list(api: APIClient, body: Any) -> None:
    response = post(api, BATCH, body)
    assert response.status_code == 400
    assert set(response.json()) == {"batch"}


# --- authentication and scopes --------------------------------------------------------------


def basic(raw_key: str, password: str = "") -> str:
    return "Basic " + base64.b64encode(f"{raw_key}:{password}".encode()).decode()


@pytest.fixture
def raw_key(workspace: Workspace) -> str:
    _, raw = create_api_key(workspace, scopes=["read", "write", "ingest"], name="segment")
    return raw


def test_basic_auth_works_on_the_segment_endpoints(workspace: Workspace, raw_key: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic(raw_key))
    assert post(client, TRACK, {"userId": "u-1", "event": "a"}).status_code == 200
    assert post(client, IDENTIFY, {"userId": "u-2", "traits": {"plan": "x"}}).status_code == 200
    batch = post(client, BATCH, {"batch": [{"type": "track", "userId": "u-3", "event": "b"}]})
    assert batch.status_code == 200
    assert set(contacts(workspace)) == {"u-1", "u-2", "u-3"}
    assert Event.objects.filter(workspace=workspace).count() == 2


def test_basic_auth_is_refused_elsewhere(workspace: Workspace, raw_key: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic(raw_key))
    assert client.get("/api/v1/journeys/").status_code == 401
    assert client.get("/api/v1/contacts/x/").status_code == 401
    assert client.get("/api/v1/events/").status_code == 401
    assert post(client, "/api/v1/contacts/", {"external_id": "x"}).status_code == 401
    assert not contacts(workspace)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer tf_not-a-real-key",
        "Bearer",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"tf_wrong:").decode(),
    ],
)
@pytest.mark.parametrize("url", [TRACK, IDENTIFY, BATCH])
def test_wrong_credentials_are_401(workspace: Workspace, header: str, url: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert post(client, url, {"userId": "u-1", "event": "a", "batch": []}).status_code == 401
    assert not contacts(workspace)


@pytest.mark.parametrize("url", [TRACK, IDENTIFY, BATCH])
def test_missing_key_is_401(workspace: Workspace, url: str) -> None:
    assert post(APIClient(), url, {"userId": "u-1", "event": "a"}).status_code == 401


def test_read_only_key_cannot_ingest(workspace: Workspace, make_client: ClientFactory) -> None:
    reader = make_client(workspace, scopes=("read",))
    assert post(reader, TRACK, {"userId": "u-1", "event": "a"}).status_code == 403
    assert post(reader, IDENTIFY, {"userId": "u-1"}).status_code == 403
    batch = {"batch": [{"type": "track", "userId": "u-1", "event": "a"}]}
    assert post(reader, BATCH, batch).status_code == 403
    assert not contacts(workspace)


def test_ingest_key_can_ingest_but_not_read_events(
    workspace: Workspace, make_client: ClientFactory
) -> None:
    ingest = make_client(workspace, scopes=("ingest",))
    assert post(ingest, TRACK, {"userId": "u-1", "event": "a"}).status_code == 200
    assert ingest.get("/api/v1/events/").status_code == 403
    assert ingest.get("/api/v1/catalog/").status_code == 403


def test_a_revoked_key_is_401(workspace: Workspace) -> None:
    key, raw = create_api_key(workspace, scopes=["ingest"], name="old")
    key.revoked_at = NOW
    key.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert post(client, TRACK, {"userId": "u-1", "event": "a"}).status_code == 401
    client.credentials(HTTP_AUTHORIZATION=basic(raw))
    assert post(client, TRACK, {"userId": "u-1", "event": "a"}).status_code == 401
    assert not contacts(workspace)
