"""Segments API: CRUD by key, located rule errors, references, tenancy and previews."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.models import Contact, Segment, Workspace
from core.services.contacts import upsert_contact
from core.services.events import track
from tests.conftest import ClientFactory
from tests.support.system import shared_examples_dir

pytestmark = pytest.mark.django_db

SEGMENTS = "/api/v1/segments/"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MaxQueries = Callable[[int], AbstractContextManager[Any]]


def create(api: APIClient, key: str, rule: Any, name: str | None = None) -> Any:
    body: dict[str, Any] = {"key": key, "rule": rule}
    if name is not None:
        body["name"] = name
    return api.post(SEGMENTS, body, format="json")


def preview(api: APIClient, key: str) -> tuple[int, set[str]]:
    response = api.get(f"{SEGMENTS}{key}/preview/")
    assert response.status_code == 200, response.content
    body = response.json()
    return body["count"], {c["external_id"] for c in body["sample"]}


def keys(workspace: Workspace) -> set[str]:
    return set(Segment.objects.filter(workspace=workspace).values_list("key", flat=True))


def the_error(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"errors"}
    [error] = body["errors"]
    assert set(error) == {"code", "message", "node_id", "path"}
    assert error["node_id"] is None
    assert isinstance(error["message"], str)
    assert error["message"]
    return dict(error)


# --- CRUD -----------------------------------------------------------------------------------


def test_crud_by_key(api: APIClient, workspace: Workspace) -> None:
    rule = {"attr": "monthly_spend", "op": "gte", "value": 5000}
    created = create(api, "vip", rule, name="VIPs")
    assert created.status_code == 201
    assert {"key": "vip", "name": "VIPs", "rule": rule}.items() <= created.json().items()

    assert [s["key"] for s in api.get(SEGMENTS).json()["results"]] == ["vip"]
    assert api.get(f"{SEGMENTS}vip/").json()["rule"] == rule

    new_rule = {"all": [rule, {"tag": "active"}]}
    patched = api.patch(
        f"{SEGMENTS}vip/", {"name": "Big spenders", "rule": new_rule}, format="json"
    )
    assert patched.status_code == 200
    segment = Segment.objects.get(workspace=workspace, key="vip")
    assert (segment.name, segment.rule) == ("Big spenders", new_rule)

    name_only = api.patch(f"{SEGMENTS}vip/", {"name": "Whales"}, format="json")
    assert name_only.json()["rule"] == new_rule

    assert api.delete(f"{SEGMENTS}vip/").status_code == 204
    assert api.get(f"{SEGMENTS}vip/").status_code == 404
    assert not keys(workspace)


def test_the_key_cannot_change(api: APIClient, workspace: Workspace) -> None:
    create(api, "vip", {"tag": "vip"})
    response = api.patch(f"{SEGMENTS}vip/", {"key": "whales"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"key": ["Unknown field."]}
    assert keys(workspace) == {"vip"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": "vip"}, "rule"),
        ({"rule": {"tag": "vip"}}, "key"),
        ({"key": "not a slug", "rule": {"tag": "vip"}}, "key"),
        ({"key": "vip", "rule": {"tag": "vip"}, "colour": "red"}, "colour"),
    ],
)
def test_envelope_errors_are_field_maps(
    api: APIClient, workspace: Workspace, body: dict[str, Any], field: str
) -> None:
    response = api.post(SEGMENTS, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert not keys(workspace)


def test_unknown_segment_is_404(api: APIClient) -> None:
    assert api.get(f"{SEGMENTS}nope/").status_code == 404
    assert api.patch(f"{SEGMENTS}nope/", {"name": "x"}, format="json").status_code == 404
    assert api.delete(f"{SEGMENTS}nope/").status_code == 404
    assert api.get(f"{SEGMENTS}nope/preview/").status_code == 404


# --- rule errors ----------------------------------------------------------------------------

RULE_ERRORS = [
    ({"all": [{"attr": "age", "op": "older_than", "value": 3}]}, "rule.invalid", "/rule/all/0/op"),
    ({"event": "x", "within": "7 days"}, "duration.invalid", "/rule/within"),
    (
        {"any": [{"tag": "a"}, {"event": "x", "within": "P0D"}]},
        "duration.invalid",
        "/rule/any/1/within",
    ),
    ({"all": []}, "rule.invalid", "/rule/all"),
    ({"any": {"tag": "a"}}, "rule.invalid", "/rule/any"),
    ({"any": [{"tag": "vip", "colour": "red"}]}, "rule.invalid", "/rule/any/0/colour"),
    ({"tag": "vip", "a/b~c": 1}, "rule.invalid", "/rule/a~1b~0c"),
    ({"not": {"attr": "age", "op": "between", "value": [25]}}, "rule.invalid", "/rule/not/value"),
    ({"attr": "age", "op": "exists", "value": 1}, "rule.invalid", "/rule/value"),
    ({"attr": "age", "op": "in", "value": 3}, "rule.invalid", "/rule/value"),
    ({"attr": "age", "op": "eq"}, "rule.invalid", "/rule"),
    ({"event": "x", "count": {"op": "gte", "value": -1}}, "rule.invalid", "/rule/count"),
    ({"event": "x", "where": {"k": {"nested": 1}}}, "rule.invalid", "/rule/where"),
    ({"message": {"node": "push1", "status": "read"}}, "rule.invalid", "/rule/message/status"),
    (
        {"message": {"node": "push1", "status": "sent", "journey": "7"}},
        "rule.invalid",
        "/rule/message/journey",
    ),
    ({"colour": "red"}, "rule.invalid", "/rule"),
    ({}, "rule.invalid", "/rule"),
    ([{"tag": "vip"}], "rule.invalid", "/rule"),
    ({"all": [{"tag": "a"}], "any": [{"tag": "b"}]}, "rule.invalid", "/rule"),
    ({"segment": "missing"}, "segment.unknown", "/rule/segment"),
    (
        {"all": [{"tag": "a"}, {"not": {"segment": "missing"}}]},
        "segment.unknown",
        "/rule/all/1/not/segment",
    ),
]


@pytest.mark.parametrize(("rule", "code", "path"), RULE_ERRORS)
def test_rule_errors_are_located(
    api: APIClient, workspace: Workspace, rule: Any, code: str, path: str
) -> None:
    error = the_error(create(api, "s", rule))
    assert (error["code"], error["path"]) == (code, path)
    assert not keys(workspace)


@pytest.mark.parametrize(("rule", "code", "path"), RULE_ERRORS)
def test_rule_errors_on_patch_keep_the_old_rule(
    api: APIClient, workspace: Workspace, rule: Any, code: str, path: str
) -> None:
    create(api, "s", {"tag": "vip"}, name="Old")
    response = api.patch(f"{SEGMENTS}s/", {"name": "New", "rule": rule}, format="json")
    error = the_error(response)
    assert (error["code"], error["path"]) == (code, path)
    segment = Segment.objects.get(workspace=workspace, key="s")
    assert (segment.name, segment.rule) == ("Old", {"tag": "vip"})


def test_every_problem_is_reported(api: APIClient) -> None:
    response = create(
        api,
        "s",
        {"all": [{"attr": "a", "op": "nope", "value": 1}, {"event": "x", "within": "soon"}]},
    )
    assert response.status_code == 400
    assert [(e["code"], e["path"]) for e in response.json()["errors"]] == [
        ("rule.invalid", "/rule/all/0/op"),
        ("duration.invalid", "/rule/all/1/within"),
    ]


def test_a_segment_may_refer_to_another(api: APIClient) -> None:
    create(api, "b", {"tag": "vip"})
    assert create(api, "a", {"not": {"segment": "b"}}).status_code == 201


def test_a_cycle_between_segments_is_refused_and_nothing_saved(
    api: APIClient, workspace: Workspace
) -> None:
    assert create(api, "b", {"tag": "vip"}).status_code == 201
    assert create(api, "a", {"all": [{"segment": "b"}]}).status_code == 201
    error = the_error(api.patch(f"{SEGMENTS}b/", {"rule": {"segment": "a"}}, format="json"))
    assert error["code"] == "rule.invalid"
    assert error["path"] == "/rule"
    assert Segment.objects.get(workspace=workspace, key="b").rule == {"tag": "vip"}


def test_a_longer_cycle_is_refused(api: APIClient, workspace: Workspace) -> None:
    create(api, "c", {"tag": "vip"})
    create(api, "b", {"segment": "c"})
    create(api, "a", {"any": [{"tag": "x"}, {"segment": "b"}]})
    error = the_error(
        api.patch(f"{SEGMENTS}c/", {"rule": {"not": {"segment": "a"}}}, format="json")
    )
    assert error["code"] == "rule.invalid"
    assert Segment.objects.get(workspace=workspace, key="c").rule == {"tag": "vip"}


def test_a_segment_cannot_refer_to_itself(api: APIClient, workspace: Workspace) -> None:
    error = the_error(create(api, "me", {"any": [{"tag": "x"}, {"segment": "me"}]}))
    assert error["code"] == "rule.invalid"
    assert not keys(workspace)


def test_a_shared_reference_is_not_a_cycle(api: APIClient) -> None:
    create(api, "d", {"tag": "vip"})
    create(api, "b", {"segment": "d"})
    create(api, "c", {"segment": "d"})
    assert create(api, "a", {"all": [{"segment": "b"}, {"segment": "c"}]}).status_code == 201


def test_a_duplicate_key_is_refused(api: APIClient, workspace: Workspace) -> None:
    create(api, "vip", {"tag": "vip"})
    error = the_error(create(api, "vip", {"tag": "other"}))
    assert error["path"] == "/key"
    assert Segment.objects.get(workspace=workspace).rule == {"tag": "vip"}


def test_deleting_a_segment_in_use_is_refused(api: APIClient, workspace: Workspace) -> None:
    create(api, "b", {"tag": "vip"})
    create(api, "a", {"not": {"segment": "b"}})
    error = the_error(api.delete(f"{SEGMENTS}b/"))
    assert "a" in error["message"]
    assert keys(workspace) == {"a", "b"}
    assert api.delete(f"{SEGMENTS}a/").status_code == 204
    assert api.delete(f"{SEGMENTS}b/").status_code == 204
    assert not keys(workspace)


# --- tenancy --------------------------------------------------------------------------------


def test_other_workspaces_segments_are_404(
    api: APIClient, other_api: APIClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    create(api, "vip", {"tag": "vip"})
    assert other_api.get(f"{SEGMENTS}vip/").status_code == 404
    assert other_api.patch(f"{SEGMENTS}vip/", {"name": "x"}, format="json").status_code == 404
    assert other_api.delete(f"{SEGMENTS}vip/").status_code == 404
    assert other_api.get(f"{SEGMENTS}vip/preview/").status_code == 404
    assert other_api.get(SEGMENTS).json()["results"] == []
    # Their segments cannot refer to ours, and the same key is theirs to take.
    assert the_error(create(other_api, "mine", {"segment": "vip"}))["code"] == "segment.unknown"
    assert create(other_api, "vip", {"tag": "theirs"}).status_code == 201
    assert Segment.objects.get(workspace=workspace, key="vip").rule == {"tag": "vip"}
    assert Segment.objects.get(workspace=other_workspace, key="vip").rule == {"tag": "theirs"}


def test_scopes(api: APIClient, workspace: Workspace, make_client: ClientFactory) -> None:
    create(api, "vip", {"tag": "vip"})
    reader = make_client(workspace, scopes=("read",))
    ingest = make_client(workspace, scopes=("ingest",))
    assert reader.get(f"{SEGMENTS}vip/preview/").status_code == 200
    assert create(reader, "x", {"tag": "x"}).status_code == 403
    assert reader.delete(f"{SEGMENTS}vip/").status_code == 403
    assert ingest.get(SEGMENTS).status_code == 403
    assert create(ingest, "x", {"tag": "x"}).status_code == 403
    assert keys(workspace) == {"vip"}


# --- previews -------------------------------------------------------------------------------


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def person(workspace: Workspace, external_id: str, **attributes: Any) -> None:
    upsert_contact(workspace, {"external_id": external_id, "attributes": attributes})


def views(
    workspace: Workspace, external_id: str, *ages: float, category: str = "cosmetics"
) -> None:
    for age in ages:
        track(
            workspace,
            user_id=external_id,
            event="product_viewed",
            properties={"category": category, "sku": "lipstick"},
            timestamp=days_ago(age),
        )


def opened(workspace: Workspace, external_id: str, *ages: float) -> None:
    for age in ages:
        track(workspace, user_id=external_id, event="app_opened", timestamp=days_ago(age))


BEAUTY = {"city_tier": 1, "gender": "female"}


def build_population(workspace: Workspace) -> None:
    """Contacts and events around NOW; comments say who matches which example segment."""
    person(workspace, "vip-edge", monthly_spend=5000)  # vip (gte is inclusive)
    person(workspace, "vip-big", monthly_spend=12000.5)  # vip
    person(workspace, "vip-text", monthly_spend="9000")  # text, not a number
    person(workspace, "vip-low", monthly_spend=4999)
    person(workspace, "vip-bool", monthly_spend=True)

    person(workspace, "beauty-3", age=25, **BEAUTY)  # beauty: 3 views in 7 days
    views(workspace, "beauty-3", 1, 3, 6)
    person(workspace, "beauty-2", age=30, **BEAUTY)  # only 2 views
    views(workspace, "beauty-2", 1, 2)
    person(workspace, "beauty-3-one-old", age=27, **BEAUTY)  # one of 3 is 8 days old
    views(workspace, "beauty-3-one-old", 1, 2, 8)
    person(workspace, "beauty-4-one-old", age=28, **BEAUTY)  # beauty: 3 of 4 in the window
    views(workspace, "beauty-4-one-old", 1, 2, 4.5, 8)
    person(workspace, "beauty-shoes", age=27, **BEAUTY)  # wrong category
    views(workspace, "beauty-shoes", 1, 2, 3, category="shoes")
    person(workspace, "beauty-31", age=31, **BEAUTY)  # too old
    views(workspace, "beauty-31", 1, 2, 3)
    person(workspace, "beauty-tier-2", age=26, city_tier=2, gender="female")
    views(workspace, "beauty-tier-2", 1, 2, 3)
    person(workspace, "beauty-age-text", age="27", **BEAUTY)  # text age
    views(workspace, "beauty-age-text", 1, 2, 3)

    opened(workspace, "silent-45d", 45)  # silent
    opened(workspace, "silent-31d", 31, 40)  # silent, though it browses
    views(workspace, "silent-31d", 1)
    opened(workspace, "active-2d", 45, 2)
    opened(workspace, "active-29d", 29)


EXPECTED_AT_NOW = {
    "vip": {"vip-edge", "vip-big"},
    "beauty_prospects": {"beauty-3", "beauty-4-one-old"},
    "silent_30d": {"silent-45d", "silent-31d"},
}


@pytest.fixture
def examples(api: APIClient, workspace: Workspace) -> Iterator[dict[str, Any]]:
    rules: dict[str, Any] = json.loads((shared_examples_dir() / "segments.json").read_text())
    assert set(rules) == set(EXPECTED_AT_NOW)
    with time_machine.travel(NOW, tick=False):
        for key, rule in rules.items():
            assert create(api, key, rule).status_code == 201
        build_population(workspace)
        yield rules


def test_previews_of_the_example_segments(api: APIClient, examples: dict[str, Any]) -> None:
    for key, expected in EXPECTED_AT_NOW.items():
        assert preview(api, key) == (len(expected), expected), key


def test_previews_follow_the_clock(api: APIClient, examples: dict[str, Any]) -> None:
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        # beauty-3's views are now 3, 5 and 8 days old; active-29d last opened 31 days ago.
        assert preview(api, "beauty_prospects") == (1, {"beauty-4-one-old"})
        assert preview(api, "silent_30d") == (3, {"silent-45d", "silent-31d", "active-29d"})
        assert preview(api, "vip") == (2, {"vip-edge", "vip-big"})


def test_a_segment_of_segments_previews_the_union(api: APIClient, examples: dict[str, Any]) -> None:
    assert (
        create(api, "either", {"any": [{"segment": "vip"}, {"segment": "silent_30d"}]}).status_code
        == 201
    )
    expected = EXPECTED_AT_NOW["vip"] | EXPECTED_AT_NOW["silent_30d"]
    assert preview(api, "either") == (len(expected), expected)
    assert create(api, "neither", {"not": {"segment": "either"}}).status_code == 201
    count, _ = preview(api, "neither")
    assert count == Contact.objects.count() - len(expected)


def test_small_scan_batches_give_the_same_answer(api: APIClient, examples: dict[str, Any]) -> None:
    with override_settings(TOUCHFLOW={"SEGMENT_SCAN_BATCH": 2}):
        for key, expected in EXPECTED_AT_NOW.items():
            assert preview(api, key) == (len(expected), expected), key


def test_preview_sample_is_capped_and_count_is_not(api: APIClient, workspace: Workspace) -> None:
    create(api, "everyone", {"not": {"tag": "nobody-has-this"}})
    Contact.objects.bulk_create(
        Contact(workspace=workspace, external_id=f"c{i}", created_at=NOW, updated_at=NOW)
        for i in range(25)
    )
    body = api.get(f"{SEGMENTS}everyone/preview/").json()
    assert body["count"] == 25
    assert len(body["sample"]) == 20


def test_preview_ignores_other_workspaces(
    api: APIClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    create(api, "browsers", {"event": "product_viewed"})
    with time_machine.travel(NOW, tick=False):
        person(other_workspace, "theirs")
        views(other_workspace, "theirs", 1)
        person(workspace, "mine")
        views(workspace, "mine", 1)
        assert preview(api, "browsers") == (1, {"mine"})


def queries_for(api: APIClient, key: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert api.get(f"{SEGMENTS}{key}/preview/").status_code == 200
    return len(context.captured_queries)


def add_contacts(workspace: Workspace, start: int, count: int) -> None:
    Contact.objects.bulk_create(
        Contact(workspace=workspace, external_id=f"c{i}", created_at=NOW, updated_at=NOW)
        for i in range(start, start + count)
    )


def test_preview_queries_grow_with_batches_not_contacts(
    api: APIClient, workspace: Workspace, django_assert_max_num_queries: MaxQueries
) -> None:
    rules = json.loads((shared_examples_dir() / "segments.json").read_text())
    create(api, "silent_30d", rules["silent_30d"])
    requirements = 2  # app_opened all time, and within P30D
    per_batch = 1 + requirements  # the contacts of the batch, and one count per requirement

    empty = queries_for(api, "silent_30d")  # overhead and one empty scan

    add_contacts(workspace, 0, 12)
    with override_settings(TOUCHFLOW={"SEGMENT_SCAN_BATCH": 4}):
        with django_assert_max_num_queries(empty + 3 * per_batch):
            api.get(f"{SEGMENTS}silent_30d/preview/")
        assert queries_for(api, "silent_30d") == empty + 3 * per_batch
        add_contacts(workspace, 12, 12)
        assert queries_for(api, "silent_30d") == empty + 6 * per_batch

    # One batch holds them all: twice the contacts, the same queries.
    one_batch = queries_for(api, "silent_30d")
    assert one_batch == empty + per_batch
    add_contacts(workspace, 24, 24)
    with django_assert_max_num_queries(one_batch):
        count, _ = preview(api, "silent_30d")
    assert count == 0


# --- where on odd property names ------------------------------------------------------------


@pytest.mark.parametrize("prop", ["Product Name", "page-url", "a.b"])
def test_where_matches_property_names_with_spaces_and_punctuation(
    api: APIClient, workspace: Workspace, prop: str
) -> None:
    create(api, "s", {"event": "e", "where": {prop: "v"}})
    track(workspace, user_id="hit", event="e", properties={prop: "v"})
    track(workspace, user_id="miss", event="e", properties={prop: "w"})
    assert preview(api, "s") == (1, {"hit"})


@pytest.mark.parametrize("prop", ["utm__source", "price__gt", "0", "2024", "contains"])
def test_where_matches_any_property_name(api: APIClient, workspace: Workspace, prop: str) -> None:
    create(api, "s", {"event": "e", "where": {prop: "v"}})
    track(workspace, user_id="hit", event="e", properties={prop: "v"})
    track(workspace, user_id="miss", event="e", properties={prop: "w"})
    assert preview(api, "s") == (1, {"hit"})
