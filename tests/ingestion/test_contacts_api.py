"""Contacts over REST: upsert, merge, bulk with partial failure, isolation, scopes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from core.models import Contact, Workspace
from tests.conftest import ClientFactory

pytestmark = pytest.mark.django_db


def upsert(api: APIClient, **body: Any) -> Any:
    return api.post("/api/v1/contacts/", body, format="json")


def test_upsert_creates_then_merges(api: APIClient) -> None:
    first = upsert(
        api,
        external_id="u1",
        email="a@example.com",
        attributes={"a": 1},
        consents={"push": True},
        tags=["x"],
    )
    assert first.status_code == 201
    second = upsert(api, external_id="u1", attributes={"b": 2}, consents={"sms": False}, tags=["y"])
    assert second.status_code == 200
    body = second.json()
    assert body["email"] == "a@example.com"
    assert body["attributes"] == {"a": 1, "b": 2}
    assert body["consents"] == {"push": True, "sms": False}
    assert body["tags"] == ["y"]
    assert Contact.objects.count() == 1


@pytest.mark.parametrize("external_id", ["a/b/c", "user@example.com", "v1.2", "with space"])
def test_any_external_id_works_in_urls(api: APIClient, external_id: str) -> None:
    upsert(api, external_id=external_id, first_name="X")
    url = f"/api/v1/contacts/{quote(external_id, safe='')}/"
    assert api.get(url).json()["external_id"] == external_id
    assert api.patch(url, {"last_name": "Y"}, format="json").json()["last_name"] == "Y"
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12345"}, "phone"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"push_tokens": [{"provider": "pigeon", "token": "t"}]}, "push_tokens"),
        ({"attributes": {"email": "x"}}, "attributes"),
        ({"consents": {"push": "yes please"}}, "consents"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_fields_are_located(api: APIClient, body: dict[str, Any], field: str) -> None:
    response = upsert(api, external_id="u1", **body)
    assert response.status_code == 400
    assert field in response.json()
    assert not Contact.objects.exists()


def test_patch_cannot_rename(api: APIClient) -> None:
    upsert(api, external_id="u1")
    response = api.patch("/api/v1/contacts/u1/", {"external_id": "u2"}, format="json")
    assert response.status_code == 400


def test_bulk_partial_failure(api: APIClient) -> None:
    upsert(api, external_id="old")
    items = [
        {"external_id": "new", "first_name": "N"},
        {"external_id": "bad", "email": "nope"},
        {"external_id": "old", "attributes": {"k": 1}},
        "not an object",
    ]
    response = api.post("/api/v1/contacts/bulk/", {"contacts": items}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "error", "updated", "error"]
    assert "email" in results[1]["errors"]
    assert results[1]["external_id"] == "bad"
    assert set(Contact.objects.values_list("external_id", flat=True)) == {"old", "new"}
    assert Contact.objects.get(external_id="old").attributes == {"k": 1}


@override_settings(TOUCHFLOW={"MAX_BATCH_ITEMS": 3})
def test_bulk_over_the_limit_is_a_400_and_stores_nothing(api: APIClient) -> None:
    items = [{"external_id": f"u{i}"} for i in range(4)]
    response = api.post("/api/v1/contacts/bulk/", {"contacts": items}, format="json")
    assert response.status_code == 400
    assert not Contact.objects.exists()


def test_bulk_of_ten_thousand_is_accepted(api: APIClient) -> None:
    items = [{"external_id": f"u{i}", "attributes": {"i": i}} for i in range(10_000)]
    response = api.post("/api/v1/contacts/bulk/", {"contacts": items}, format="json")
    assert response.status_code == 200
    assert Contact.objects.count() == 10_000
    too_many = api.post(
        "/api/v1/contacts/bulk/", {"contacts": [*items, {"external_id": "x"}]}, format="json"
    )
    assert too_many.status_code == 400


def test_contacts_of_another_workspace_are_404s(api: APIClient, other_api: APIClient) -> None:
    upsert(api, external_id="u1", first_name="Ours")
    assert other_api.get("/api/v1/contacts/u1/").status_code == 404
    assert (
        other_api.patch("/api/v1/contacts/u1/", {"first_name": "x"}, format="json").status_code
        == 404
    )
    assert other_api.delete("/api/v1/contacts/u1/").status_code == 404
    assert other_api.get("/api/v1/contacts/").json()["results"] == []
    # Upserting the same external id elsewhere creates that workspace's own contact.
    assert (
        other_api.post("/api/v1/contacts/", {"external_id": "u1"}, format="json").status_code == 201
    )
    assert Contact.objects.get(workspace__slug="acme").first_name == "Ours"


def test_scopes_for_contacts(workspace: Workspace, make_client: ClientFactory) -> None:
    ingest = make_client(workspace, scopes=("ingest",))
    reader = make_client(workspace, scopes=("read",))
    assert ingest.post("/api/v1/contacts/", {"external_id": "u1"}, format="json").status_code == 201
    assert (
        ingest.post(
            "/api/v1/contacts/bulk/", {"contacts": [{"external_id": "u2"}]}, format="json"
        ).status_code
        == 200
    )
    assert ingest.get("/api/v1/contacts/u1/").status_code == 403
    assert ingest.delete("/api/v1/contacts/u1/").status_code == 403
    assert reader.get("/api/v1/contacts/u1/").status_code == 200
    assert reader.post("/api/v1/contacts/", {"external_id": "u3"}, format="json").status_code == 403


def test_external_ids_are_kept_exactly(api: APIClient) -> None:
    assert upsert(api, external_id=" padded ").status_code == 201
    assert (
        api.post("/api/v1/track/", {"userId": " padded ", "event": "x"}, format="json").status_code
        == 200
    )
    assert list(Contact.objects.values_list("external_id", flat=True)) == [" padded "]
