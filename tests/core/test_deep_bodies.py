"""A JSON body nested too deeply is a 400 from the parser, never a RecursionError (a 500).

Python's JSON reader recurses once per level, and so does every later step that walks the
value (JSON Schema, `json.dumps` on save), so the parser refuses such bodies up front.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from core.api.parsers import MAX_BODY_DEPTH
from core.models import Event, Workspace
from journeys.models import Journey

pytestmark = pytest.mark.django_db


def send_raw(api: APIClient, url: str, body: str) -> Any:
    api.raise_request_exception = False
    return api.generic("POST", url, body, content_type="application/json")


def nested_objects(depth: int, leaf: str = "1") -> str:
    return '{"a": ' * depth + leaf + "}" * depth


def nested_lists(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [MAX_BODY_DEPTH + 1, 1_000, 5_000, 100_000])
def test_a_deep_track_body_is_a_400(api: APIClient, workspace: Workspace, depth: int) -> None:
    body = f'{{"userId": "u1", "event": "e", "properties": {nested_objects(depth)}}}'
    response = send_raw(api, "/api/v1/track/", body)
    assert response.status_code == 400, response.content
    assert f"nested more than {MAX_BODY_DEPTH} levels" in response.json()["detail"]
    assert not Event.objects.filter(workspace=workspace).exists()


@pytest.mark.parametrize("depth", [1_000, 50_000])
def test_a_deep_journey_draft_is_a_400(api: APIClient, workspace: Workspace, depth: int) -> None:
    definition = f'{{"schema_version": 1, "nodes": {nested_lists(depth)}}}'
    response = send_raw(api, "/api/v1/journeys/", f'{{"name": "j", "definition": {definition}}}')
    assert response.status_code == 400, response.content
    assert "nested more than" in response.json()["detail"]
    assert not Journey.objects.filter(workspace=workspace).exists()


def test_a_deep_top_level_list_is_a_400(api: APIClient) -> None:
    response = send_raw(api, "/api/v1/batch/", nested_lists(3_000))
    assert response.status_code == 400
    assert "nested more than" in response.json()["detail"]


def test_a_draft_deeper_than_documents_allow_is_saved_and_then_reported(
    api: APIClient, workspace: Workspace
) -> None:
    """Between the journey document's own limit and the parser's, the draft is kept (drafts
    may be anything) and validation locates the problem."""
    definition = f'{{"schema_version": 1, "nodes": [], "edges": [], "ui": {nested_objects(150)}}}'
    created = send_raw(api, "/api/v1/journeys/", f'{{"name": "j", "definition": {definition}}}')
    assert created.status_code == 201, created.content
    journey_id = created.json()["id"]
    report = api.post(f"/api/v1/journeys/{journey_id}/validate/", {}, format="json")
    assert report.status_code == 200
    assert report.json()["valid"] is False
    assert {e["code"] for e in report.json()["errors"]} == {"schema.invalid"}


def test_nesting_at_the_limit_parses(api: APIClient) -> None:
    """The limit counts the body's own object as level one."""
    body = nested_objects(MAX_BODY_DEPTH - 1)
    response = send_raw(api, "/api/v1/track/", body)
    assert response.status_code == 400  # refused by the serializer, not by the parser
    assert "detail" not in response.json()
