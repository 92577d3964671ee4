"""`GET /events/`: newest first, cursor pages of `limit`, filters, workspace scoping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from core.models import Contact, Event, Workspace
from core.services.contacts import upsert_contact
from core.services.events import record_event

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events/"
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def contact(workspace: Workspace, external_id: str) -> Contact:
    return upsert_contact(workspace, {"external_id": external_id})[0]


def seed(workspace: Workspace) -> list[Event]:
    """Five events in time order, by two contacts, with two names."""
    ann, bob = contact(workspace, "ann"), contact(workspace, "bob/2")
    plan: list[tuple[Contact, str, dict[str, Any]]] = [
        (ann, "app_opened", {}),
        (bob, "product_viewed", {"sku": "A"}),
        (ann, "product_viewed", {"sku": "B"}),
        (bob, "app_opened", {}),
        (ann, "order_paid", {"total": 99}),
    ]
    return [
        record_event(
            workspace, who, name=name, properties=props, occurred_at=T0 + timedelta(hours=i)
        ).event
        for i, (who, name, props) in enumerate(plan)
    ]


def names(response: Any) -> list[tuple[str, str]]:
    return [(e["contact"], e["name"]) for e in response.json()["results"]]


def test_list_is_newest_first_with_the_list_envelope(api: APIClient, workspace: Workspace) -> None:
    events = seed(workspace)
    response = api.get(EVENTS)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert body["next"] is None
    assert body["previous"] is None
    assert [e["id"] for e in body["results"]] == [e.pk for e in reversed(events)]
    newest = body["results"][0]
    assert {"id", "contact", "name", "properties", "occurred_at"} <= set(newest)
    assert (newest["contact"], newest["name"], newest["properties"]) == (
        "ann",
        "order_paid",
        {"total": 99},
    )
    assert datetime.fromisoformat(newest["occurred_at"]) == T0 + timedelta(hours=4)


def test_limit_pages_through_every_event_once(api: APIClient, workspace: Workspace) -> None:
    events = seed(workspace)
    first = api.get(EVENTS, {"limit": 2}).json()
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert first["next"]
    seen = [e["id"] for e in first["results"]]
    page = first
    while page["next"]:
        page = api.get(page["next"]).json()
        assert page["previous"]
        seen += [e["id"] for e in page["results"]]
    assert seen == [e.pk for e in reversed(events)]


def test_limit_defaults_to_50_and_is_capped_at_500(api: APIClient, workspace: Workspace) -> None:
    who = contact(workspace, "ann")
    Event.objects.bulk_create(
        Event(
            workspace=workspace,
            contact=who,
            name="e",
            occurred_at=T0,
            received_at=T0,
        )
        for _ in range(501)
    )
    assert len(api.get(EVENTS).json()["results"]) == 50
    assert len(api.get(EVENTS, {"limit": 500}).json()["results"]) == 500
    capped = api.get(EVENTS, {"limit": 10_000}).json()
    assert len(capped["results"]) == 500
    assert capped["next"]


def test_filters_by_contact_and_name(api: APIClient, workspace: Workspace) -> None:
    seed(workspace)
    assert names(api.get(EVENTS, {"contact": "ann"})) == [
        ("ann", "order_paid"),
        ("ann", "product_viewed"),
        ("ann", "app_opened"),
    ]
    assert names(api.get(EVENTS, {"contact": "bob/2"})) == [
        ("bob/2", "app_opened"),
        ("bob/2", "product_viewed"),
    ]
    assert names(api.get(EVENTS, {"name": "product_viewed"})) == [
        ("ann", "product_viewed"),
        ("bob/2", "product_viewed"),
    ]
    assert names(api.get(EVENTS, {"contact": "bob/2", "name": "app_opened"})) == [
        ("bob/2", "app_opened")
    ]
    assert names(api.get(EVENTS, {"contact": "nobody"})) == []
    assert names(api.get(EVENTS, {"name": "never_happened"})) == []


def test_other_workspaces_events_are_invisible(
    api: APIClient, other_api: APIClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    seed(workspace)
    theirs = contact(other_workspace, "ann")
    record_event(other_workspace, theirs, name="secret", occurred_at=T0)
    assert names(other_api.get(EVENTS)) == [("ann", "secret")]
    assert names(other_api.get(EVENTS, {"contact": "bob/2"})) == []
    assert names(other_api.get(EVENTS, {"name": "order_paid"})) == []
    assert "secret" not in {name for _, name in names(api.get(EVENTS))}
    assert names(api.get(EVENTS, {"name": "secret"})) == []
