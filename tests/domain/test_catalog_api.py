"""`GET /catalog/`: the names the rule builder offers, from this workspace only."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.models import Workspace
from core.services.contacts import upsert_contact
from core.services.events import track
from tests.conftest import ClientFactory

pytestmark = pytest.mark.django_db

CATALOG = "/api/v1/catalog/"
BUILTIN = {"email", "phone", "timezone", "locale", "first_name", "last_name", "created_at"}


def seed(workspace: Workspace) -> None:
    upsert_contact(
        workspace,
        {"external_id": "ann", "attributes": {"city_tier": 1, "age": 27}, "tags": ["vip", "beta"]},
    )
    upsert_contact(
        workspace, {"external_id": "bob", "attributes": {"gender": "male"}, "tags": ["vip"]}
    )
    track(workspace, user_id="ann", event="product_viewed", properties={"category": "cosmetics"})
    track(workspace, user_id="bob", event="product_viewed", properties={"sku": "A", "price": 3})
    track(workspace, user_id="ann", event="app_opened")
    # A contact first seen through track has no attributes or tags to offer.
    track(workspace, user_id="carl", event="order_paid", properties={"total": 99})


def test_catalog_lists_events_properties_attributes_tags_and_fields(
    api: APIClient, workspace: Workspace
) -> None:
    seed(workspace)
    response = api.get(CATALOG)
    assert response.status_code == 200
    body = response.json()
    assert body["events"] == [
        {"name": "app_opened", "properties": []},
        {"name": "order_paid", "properties": ["total"]},
        {"name": "product_viewed", "properties": ["category", "price", "sku"]},
    ]
    assert body["attributes"] == ["age", "city_tier", "gender"]
    assert body["tags"] == ["beta", "vip"]
    assert set(body["fields"]) == BUILTIN
    assert len(body["fields"]) == len(BUILTIN)


def test_empty_workspace_still_offers_the_built_in_fields(api: APIClient) -> None:
    body = api.get(CATALOG).json()
    assert body["events"] == []
    assert body["attributes"] == []
    assert body["tags"] == []
    assert set(body["fields"]) == BUILTIN


def test_identify_traits_show_up_as_attributes(api: APIClient) -> None:
    api.post(
        "/api/v1/identify/",
        {"userId": "u", "traits": {"email": "u@example.com", "plan": "gold"}},
        format="json",
    )
    body = api.get(CATALOG).json()
    assert body["attributes"] == ["plan"]


def test_other_workspaces_names_never_appear(
    api: APIClient, other_api: APIClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    seed(workspace)
    upsert_contact(
        other_workspace,
        {"external_id": "ann", "attributes": {"secret_attr": 1}, "tags": ["secret_tag"]},
    )
    track(
        other_workspace,
        user_id="ann",
        event="secret_event",
        properties={"secret_prop": 1},
    )
    track(other_workspace, user_id="ann", event="product_viewed", properties={"secret_sku": 1})

    ours = api.get(CATALOG).json()
    assert "secret_event" not in {e["name"] for e in ours["events"]}
    assert "secret_sku" not in next(
        e["properties"] for e in ours["events"] if e["name"] == "product_viewed"
    )
    assert "secret_attr" not in ours["attributes"]
    assert "secret_tag" not in ours["tags"]

    theirs = other_api.get(CATALOG).json()
    assert theirs["events"] == [
        {"name": "product_viewed", "properties": ["secret_sku"]},
        {"name": "secret_event", "properties": ["secret_prop"]},
    ]
    assert theirs["attributes"] == ["secret_attr"]
    assert theirs["tags"] == ["secret_tag"]


def test_catalog_needs_the_read_scope(workspace: Workspace, make_client: ClientFactory) -> None:
    assert make_client(workspace, scopes=("read",)).get(CATALOG).status_code == 200
    assert make_client(workspace, scopes=("ingest",)).get(CATALOG).status_code == 403
    assert APIClient().get(CATALOG).status_code == 401
