"""`/batch/` finds the contacts it names up front, and one validator serves every item."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.models import Contact, Event, Workspace
from core.services.contacts import bulk_upsert

pytestmark = pytest.mark.django_db


def contact_selects(captured: CaptureQueriesContext) -> int:
    return sum(
        1
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT") and 'FROM "core_contact"' in query["sql"]
    )


def test_known_contacts_are_read_with_one_query(api: APIClient, workspace: Workspace) -> None:
    bulk_upsert(workspace, [{"external_id": f"u{i}"} for i in range(10)])
    batch: list[dict[str, object]] = [
        {"type": "track", "userId": f"u{i % 10}", "event": "e"} for i in range(40)
    ]
    batch += [{"type": "track", "userId": 7, "event": "numeric id"}]  # "7" is not known: created
    with CaptureQueriesContext(connection) as captured:
        response = api.post("/api/v1/batch/", {"batch": batch}, format="json")
    assert response.status_code == 200
    assert all(result["ok"] for result in response.json()["results"])
    assert contact_selects(captured) <= 2  # the preload, and the lookup before creating "7"
    assert Event.objects.filter(workspace=workspace).count() == 41
    assert Contact.objects.filter(workspace=workspace).count() == 11


def test_one_validator_keeps_items_apart(api: APIClient, workspace: Workspace) -> None:
    """Reusing a serializer across items must not carry one item's data into the next."""
    batch = [
        {"type": "track", "userId": "a", "event": "with", "properties": {"p": 1}},
        {"type": "track", "userId": "a", "event": "without"},
        {"type": "track", "userId": "b", "event": ["not", "a", "name"]},
        {"type": "identify", "userId": "a", "traits": {"email": "a@example.com", "plan": "x"}},
        {"type": "identify", "userId": "b", "traits": {"email": "not an email"}},
        {"type": "identify", "userId": "c"},
    ]
    results = api.post("/api/v1/batch/", {"batch": batch}, format="json").json()["results"]
    assert [r["ok"] for r in results] == [True, True, False, True, False, True]
    assert set(results[2]["errors"]) == {"event"}
    assert set(results[4]["errors"]["traits"]) == {"email"}
    events = dict(Event.objects.values_list("name", "properties"))
    assert events == {"with": {"p": 1}, "without": {}}
    contacts = {c.external_id: c for c in Contact.objects.all()}
    assert (contacts["a"].email, contacts["a"].attributes) == ("a@example.com", {"plan": "x"})
    assert (contacts["c"].email, contacts["c"].attributes) == ("", {})
    assert "b" not in contacts
