"""`GET /catalog/` reads a bounded amount whatever the size of the workspace."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.api import catalog as catalog_module
from core.models import Workspace
from core.services.contacts import bulk_upsert, upsert_contact
from core.services.events import track

pytestmark = pytest.mark.django_db

CATALOG = "/api/v1/catalog/"


def queries_for(api: APIClient) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(CATALOG).status_code == 200
    return len(captured)


def test_event_names_are_distinct_sorted_capped_and_of_this_workspace(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    for name in ["b", "a", "c", "a", "b", "Z", "a.b/c"]:
        track(workspace, user_id="u", event=name)
    track(other_workspace, user_id="u", event="theirs")
    assert catalog_module.event_names(workspace, 100) == ["Z", "a", "a.b/c", "b", "c"]
    assert catalog_module.event_names(workspace, 2) == ["Z", "a"]
    assert catalog_module.event_names(other_workspace, 100) == ["theirs"]


def test_recent_names_beyond_the_cap_still_show(
    api: APIClient, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_module, "MAX_EVENT_NAMES", 1)
    track(workspace, user_id="u", event="a_old")
    track(workspace, user_id="u", event="z_new", properties={"p": 1})
    events = api.get(CATALOG).json()["events"]
    assert events == [{"name": "a_old", "properties": []}, {"name": "z_new", "properties": ["p"]}]


def test_an_old_contact_active_lately_offers_its_attributes(
    api: APIClient, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_module, "RECENT_SAMPLE", 2)
    upsert_contact(workspace, {"external_id": "old", "attributes": {"coupon": "X"}, "tags": ["t"]})
    bulk_upsert(workspace, [{"external_id": f"new-{i}", "attributes": {"n": i}} for i in range(5)])
    body = api.get(CATALOG).json()
    assert (body["attributes"], body["tags"]) == (["n"], [])  # "old" is not among the newest
    track(workspace, user_id="old", event="app_opened")
    body = api.get(CATALOG).json()
    assert (body["attributes"], body["tags"]) == (["coupon", "n"], ["t"])


def test_queries_do_not_grow_with_events_or_contacts(
    api: APIClient,
    workspace: Workspace,
    django_assert_max_num_queries: Callable[[int], AbstractContextManager[Any]],
) -> None:
    track(workspace, user_id="u0", event="a", properties={"p": 1})
    few = queries_for(api)
    for i in range(30):
        track(workspace, user_id=f"u{i}", event=f"e{i % 7}", properties={f"p{i}": i})
    with django_assert_max_num_queries(few):
        body = api.get(CATALOG).json()
    assert len(body["events"]) == 8
