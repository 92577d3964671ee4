"""Segments: located rule errors, references, and previews evaluated like the engine will."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import override_settings
from rest_framework.test import APIClient

from core.models import Contact, Segment, Workspace
from core.services.contacts import upsert_contact
from core.services.events import track
from core.services.segments import create_segment, preview_segment
from tests.support.system import shared_examples_dir

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def post(api: APIClient, key: str, rule: Any) -> Any:
    return api.post("/api/v1/segments/", {"key": key, "name": key, "rule": rule}, format="json")


def test_crud_by_key(api: APIClient) -> None:
    assert (
        post(api, "vip", {"attr": "monthly_spend", "op": "gte", "value": 5000}).status_code == 201
    )
    assert api.get("/api/v1/segments/vip/").json()["rule"]["op"] == "gte"
    patched = api.patch("/api/v1/segments/vip/", {"name": "VIPs"}, format="json")
    assert patched.json()["name"] == "VIPs"
    assert api.delete("/api/v1/segments/vip/").status_code == 204
    assert api.get("/api/v1/segments/vip/").status_code == 404


@pytest.mark.parametrize(
    ("rule", "code", "path"),
    [
        (
            {"all": [{"attr": "age", "op": "older_than", "value": 3}]},
            "rule.invalid",
            "/rule/all/0/op",
        ),
        ({"event": "x", "within": "7 days"}, "duration.invalid", "/rule/within"),
        ({"all": []}, "rule.invalid", "/rule/all"),
        ({"tag": "vip", "colour": "red"}, "rule.invalid", "/rule/colour"),
        ({"any": [{"segment": "missing"}]}, "segment.unknown", "/rule/any/0/segment"),
    ],
)
def test_rule_errors_are_located(api: APIClient, rule: Any, code: str, path: str) -> None:
    response = post(api, "s", rule)
    assert response.status_code == 400
    assert {"code": code, "node_id": None, "path": path}.items() <= response.json()["errors"][
        0
    ].items()
    assert not Segment.objects.exists()


def test_segment_cycles_and_references(api: APIClient) -> None:
    post(api, "a", {"tag": "x"})
    post(api, "b", {"segment": "a"})
    response = api.patch("/api/v1/segments/a/", {"rule": {"segment": "b"}}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "rule.invalid"
    assert Segment.objects.get(key="a").rule == {"tag": "x"}
    assert api.delete("/api/v1/segments/a/").status_code == 400  # b refers to it
    assert post(api, "b", {"tag": "y"}).status_code == 400  # duplicate key


def test_segments_of_another_workspace_are_404s(api: APIClient, other_api: APIClient) -> None:
    post(api, "vip", {"tag": "vip"})
    for method in ("get", "delete"):
        assert getattr(other_api, method)("/api/v1/segments/vip/").status_code == 404
    assert other_api.patch("/api/v1/segments/vip/", {"name": "x"}, format="json").status_code == 404
    assert other_api.get("/api/v1/segments/vip/preview/").status_code == 404
    assert other_api.get("/api/v1/segments/").json()["results"] == []


def contact(workspace: Workspace, external_id: str, **attributes: Any) -> Contact:
    found, _ = upsert_contact(workspace, {"external_id": external_id, "attributes": attributes})
    return found


def events(
    workspace: Workspace, external_id: str, name: str, ages_in_days: list[float], **properties: Any
) -> None:
    for age in ages_in_days:
        track(
            workspace,
            user_id=external_id,
            event=name,
            properties=properties,
            timestamp=NOW - timedelta(days=age),
        )


@pytest.fixture
def example_segments(workspace: Workspace) -> dict[str, Segment]:
    rules = json.loads((shared_examples_dir() / "segments.json").read_text())
    return {key: create_segment(workspace, key=key, rule=rule) for key, rule in rules.items()}


def preview_ids(segment: Segment) -> tuple[int, set[str]]:
    with time_machine.travel(NOW, tick=False):
        result = preview_segment(segment)
    return result.count, {c.external_id for c in result.sample}


def test_example_segments_preview(
    workspace: Workspace, example_segments: dict[str, Segment]
) -> None:
    prospect = {"city_tier": 1, "gender": "female", "age": 27}
    contact(workspace, "rich", monthly_spend=5000)
    contact(workspace, "almost", monthly_spend=4999.5)
    contact(workspace, "text-spend", monthly_spend="9000")  # text never compares with numbers
    contact(workspace, "keen", **prospect)
    events(workspace, "keen", "product_viewed", [1, 2, 6.9], category="cosmetics")
    contact(workspace, "stale", **prospect)
    events(workspace, "stale", "product_viewed", [1, 2, 8], category="cosmetics")
    contact(workspace, "elsewhere", **prospect)
    events(workspace, "elsewhere", "product_viewed", [1, 2, 3], category="phones")
    contact(workspace, "too-old", **{**prospect, "age": 31})
    events(workspace, "too-old", "product_viewed", [1, 2, 3], category="cosmetics")
    events(workspace, "lapsed", "app_opened", [45, 31])
    events(workspace, "active", "app_opened", [45, 2])

    assert preview_ids(example_segments["vip"]) == (1, {"rich"})
    assert preview_ids(example_segments["beauty_prospects"]) == (1, {"keen"})
    assert preview_ids(example_segments["silent_30d"]) == (1, {"lapsed"})


@override_settings(TOUCHFLOW={"SEGMENT_SCAN_BATCH": 2})
def test_preview_batches_give_the_same_answer_with_bounded_queries(
    workspace: Workspace,
    example_segments: dict[str, Segment],
    django_assert_max_num_queries: Any,
) -> None:
    for index in range(7):
        events(workspace, f"u{index}", "app_opened", [40] if index % 2 else [40, 1])
    # 4 batches of 2 contacts (the last empty) x (1 contact query + 2 event requirements)
    # + segment rules: the query count follows batches, not contacts.
    with django_assert_max_num_queries(14):
        count, _ = preview_ids(example_segments["silent_30d"])
    assert count == 3


def test_preview_endpoint(api: APIClient, workspace: Workspace) -> None:
    post(api, "tagged", {"tag": "vip"})
    upsert_contact(workspace, {"external_id": "a", "tags": ["vip"]})
    upsert_contact(workspace, {"external_id": "b", "tags": []})
    body = api.get("/api/v1/segments/tagged/preview/").json()
    assert body["count"] == 1
    assert [c["external_id"] for c in body["sample"]] == ["a"]


def test_catalog(api: APIClient, workspace: Workspace, other_workspace: Workspace) -> None:
    upsert_contact(workspace, {"external_id": "a", "tags": ["vip"], "attributes": {"city": "SZ"}})
    track(workspace, user_id="a", event="order_paid", properties={"total": 1, "sku": "x"})
    track(other_workspace, user_id="z", event="secret_event")
    catalog = api.get("/api/v1/catalog/").json()
    assert catalog["events"] == [{"name": "order_paid", "properties": ["sku", "total"]}]
    assert catalog["attributes"] == ["city"]
    assert catalog["tags"] == ["vip"]
    assert "email" in catalog["fields"]
