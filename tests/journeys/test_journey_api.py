"""The journey endpoints: drafts with optimistic concurrency, validation, publishing, lifecycle."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from rest_framework.test import APIClient

from core.models import Membership, Role, Workspace
from journeys.models import Journey, JourneyVersion
from tests.journeys.builders import minimal_journey

pytestmark = pytest.mark.django_db


def create(
    api: APIClient, definition: dict[str, Any] | None = None, name: str = "Welcome"
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name}
    if definition is not None:
        body["definition"] = definition
    response = api.post("/api/v1/journeys/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_create_read_list(api: APIClient) -> None:
    created = create(api, minimal_journey())
    assert created["rev"] == 1
    assert created["status"] == "draft"
    assert created["definition"] == minimal_journey()
    assert api.get(f"/api/v1/journeys/{created['id']}/").json()["name"] == "Welcome"
    listing = api.get("/api/v1/journeys/?limit=1").json()
    assert set(listing) == {"next", "previous", "results"}
    assert [item["id"] for item in listing["results"]] == [created["id"]]


def test_incomplete_draft_saves(api: APIClient) -> None:
    created = create(api, {"nodes": [{"id": "half"}]})
    assert created["definition"] == {"nodes": [{"id": "half"}]}


def test_create_without_definition_starts_empty(api: APIClient) -> None:
    created = create(api)
    assert created["definition"]["nodes"] == []


@pytest.mark.parametrize("definition", [[], "text", 3, None])
def test_definition_must_be_an_object(api: APIClient, definition: Any) -> None:
    response = api.post("/api/v1/journeys/", {"name": "x", "definition": definition}, format="json")
    assert response.status_code == 400
    assert "definition" in response.json()


def test_unknown_field_is_refused(api: APIClient) -> None:
    response = api.post("/api/v1/journeys/", {"name": "x", "colour": "red"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"colour": ["Unknown field."]}
    assert not Journey.objects.exists()


def test_malformed_json_is_a_400(api: APIClient) -> None:
    response = api.post("/api/v1/journeys/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_patch_requires_rev_and_bumps_it(api: APIClient) -> None:
    journey = create(api, minimal_journey())
    url = f"/api/v1/journeys/{journey['id']}/"
    missing = api.patch(url, {"name": "Renamed"}, format="json")
    assert missing.status_code == 400
    assert "rev" in missing.json()
    ok = api.patch(url, {"rev": 1, "name": "Renamed"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["rev"] == 2
    assert ok.json()["name"] == "Renamed"


def test_stale_rev_is_a_409_with_the_current_rev(api: APIClient) -> None:
    journey = create(api, minimal_journey())
    url = f"/api/v1/journeys/{journey['id']}/"
    assert api.patch(url, {"rev": 1, "description": "first"}, format="json").status_code == 200
    stale = api.patch(url, {"rev": 1, "description": "second"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["rev"] == 2
    assert Journey.objects.get().description == "first"


def test_document_over_one_megabyte_is_a_413(api: APIClient) -> None:
    big = minimal_journey()
    big["ui"] = {"$viewport": {"note": "x" * 1_000_001}}
    response = api.post("/api/v1/journeys/", {"name": "big", "definition": big}, format="json")
    assert response.status_code == 413
    assert not Journey.objects.exists()
    journey = create(api, minimal_journey())
    patch = api.patch(
        f"/api/v1/journeys/{journey['id']}/", {"rev": 1, "definition": big}, format="json"
    )
    assert patch.status_code == 413
    validate = api.post(
        f"/api/v1/journeys/{journey['id']}/validate/", {"definition": big}, format="json"
    )
    assert validate.status_code == 413
    assert Journey.objects.get().rev == 1


@override_settings(TOUCHFLOW={"MAX_REQUEST_BYTES": 1000})
def test_body_over_the_request_limit_is_a_413_before_parsing(api: APIClient) -> None:
    response = api.post("/api/v1/journeys/", {"name": "x" * 2000}, format="json")
    assert response.status_code == 413


def test_validate_stored_draft_and_given_definition(api: APIClient) -> None:
    journey = create(api, {"schema_version": 1, "nodes": [], "edges": []})
    url = f"/api/v1/journeys/{journey['id']}/validate/"
    stored = api.post(url, {}, format="json").json()
    assert stored["valid"] is False
    assert "entry.missing" in {error["code"] for error in stored["errors"]}
    for error in stored["errors"]:
        assert set(error) == {"code", "message", "node_id", "path"}
    given = api.post(url, {"definition": minimal_journey()}, format="json").json()
    assert given == {"valid": True, "errors": []}


def test_publish_freezes_a_version_and_activates(api: APIClient) -> None:
    journey = create(api, minimal_journey())
    url = f"/api/v1/journeys/{journey['id']}/"
    published = api.post(f"{url}publish/", {}, format="json")
    assert published.status_code == 201, published.content
    body = published.json()
    assert body["version"] == 1
    assert body["journey"] == journey["id"]
    assert len(body["checksum"]) == 64
    assert body["published_by"].startswith("api-key:tf_")
    assert api.get(url).json()["status"] == "active"

    changed = minimal_journey()
    changed["nodes"][1]["label"] = "The end"
    rev = api.get(url).json()["rev"]
    assert api.patch(url, {"rev": rev, "definition": changed}, format="json").status_code == 200
    assert api.post(f"{url}publish/", {}, format="json").json()["version"] == 2

    versions = api.get(f"{url}versions/").json()
    assert [v["version"] for v in versions] == [2, 1]
    first = api.get(f"{url}versions/1/").json()
    assert first["definition"] == minimal_journey()
    assert api.get(f"{url}versions/9/").status_code == 404


def test_publish_of_an_invalid_draft_is_a_400_with_located_errors(api: APIClient) -> None:
    journey = create(
        api, {"schema_version": 1, "nodes": [{"id": "a", "type": "exit"}], "edges": []}
    )
    response = api.post(f"/api/v1/journeys/{journey['id']}/publish/", {}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"code": "entry.missing"}.items() <= errors[0].items() or any(
        e["code"] == "entry.missing" for e in errors
    )
    assert not JourneyVersion.objects.exists()


def test_versions_are_immutable() -> None:
    version = JourneyVersion(pk=1)
    version._state.adding = False
    with pytest.raises(ValueError, match="immutable"):
        version.save()


def test_lifecycle(api: APIClient) -> None:
    journey = create(api, minimal_journey())
    url = f"/api/v1/journeys/{journey['id']}/"
    assert api.post(f"{url}pause/", {}, format="json").status_code == 409
    api.post(f"{url}publish/", {}, format="json")
    assert api.post(f"{url}pause/", {}, format="json").json()["status"] == "paused"
    assert api.post(f"{url}resume/", {}, format="json").json()["status"] == "active"
    assert api.delete(url).status_code == 409
    assert api.post(f"{url}archive/", {}, format="json").json()["status"] == "archived"
    assert api.post(f"{url}publish/", {}, format="json").status_code == 409
    assert api.delete(url).status_code == 204
    assert not Journey.objects.exists()


def test_clone_copies_the_draft(api: APIClient) -> None:
    journey = create(api, minimal_journey())
    response = api.post(f"/api/v1/journeys/{journey['id']}/clone/", {}, format="json")
    assert response.status_code == 201
    copy = response.json()
    assert copy["id"] != journey["id"]
    assert copy["name"] == "Copy of Welcome"
    assert copy["status"] == "draft"
    assert copy["definition"] == journey["definition"]


def test_lifecycle_calls_refuse_unknown_fields(api: APIClient) -> None:
    journey = create(api, minimal_journey())
    response = api.post(
        f"/api/v1/journeys/{journey['id']}/publish/", {"force": True}, format="json"
    )
    assert response.status_code == 400


JOURNEY_ENDPOINTS = [
    ("get", "{url}", None),
    ("patch", "{url}", {"rev": 1, "name": "stolen"}),
    ("delete", "{url}", None),
    ("post", "{url}validate/", {}),
    ("post", "{url}publish/", {}),
    ("post", "{url}pause/", {}),
    ("post", "{url}resume/", {}),
    ("post", "{url}archive/", {}),
    ("post", "{url}clone/", {}),
    ("get", "{url}versions/", None),
    ("get", "{url}versions/1/", None),
]


@pytest.mark.parametrize(("method", "template", "body"), JOURNEY_ENDPOINTS)
def test_another_workspaces_journey_is_a_404(
    api: APIClient, other_api: APIClient, method: str, template: str, body: Any
) -> None:
    journey = create(api, minimal_journey())
    api.post(f"/api/v1/journeys/{journey['id']}/publish/", {}, format="json")
    url = template.format(url=f"/api/v1/journeys/{journey['id']}/")
    response = getattr(other_api, method)(url, body, format="json")
    assert response.status_code == 404
    assert Journey.objects.get().name == "Welcome"
    assert other_api.get("/api/v1/journeys/").json()["results"] == []


def test_scopes(workspace: Workspace, make_client: Any) -> None:
    reader = make_client(workspace, scopes=("read",))
    ingester = make_client(workspace, scopes=("ingest",))
    assert reader.get("/api/v1/journeys/").status_code == 200
    assert reader.post("/api/v1/journeys/", {"name": "x"}, format="json").status_code == 403
    assert ingester.get("/api/v1/journeys/").status_code == 403
    assert ingester.post("/api/v1/journeys/", {"name": "x"}, format="json").status_code == 403


def make_member(workspace: Workspace, role: str) -> APIClient:
    user = get_user_model().objects.create_user(username=f"u-{role}", password="pw")
    Membership.objects.create(workspace=workspace, user=user, role=role)
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def test_session_roles(workspace: Workspace, api: APIClient) -> None:
    journey = create(api, minimal_journey())
    publish_url = f"/api/v1/journeys/{journey['id']}/publish/"
    viewer = make_member(workspace, Role.VIEWER)
    assert viewer.get("/api/v1/journeys/").json()["results"][0]["id"] == journey["id"]
    assert viewer.post(publish_url, {}, format="json").status_code == 403
    editor = make_member(workspace, Role.EDITOR)
    response = editor.post(publish_url, {}, format="json")
    assert response.status_code == 201
    assert response.json()["published_by"] == "u-editor"


def test_session_user_without_membership_is_refused(db: None) -> None:
    get_user_model().objects.create_user(username="stranger", password="pw")
    client = APIClient()
    client.login(username="stranger", password="pw")
    assert client.get("/api/v1/journeys/").status_code == 403


def test_node_types_catalog(api: APIClient) -> None:
    types = {t["name"]: t for t in api.get("/api/v1/node-types/").json()["node_types"]}
    assert set(types) == {
        "entry",
        "send",
        "wait",
        "wait_event",
        "condition",
        "switch",
        "split",
        "update_contact",
        "webhook",
        "exit",
    }
    assert types["wait_event"]["ports"] == ["received", "timeout"]
    assert types["send"]["optional_ports"] == ["failed"]
    assert types["switch"]["dynamic_ports"]["list_field"] == "cases"
    assert types["split"]["conditional_ports"] == {"holdout": "holdout"}
    assert types["send"]["config_schema"]["required"] == ["channel", "account", "params"]
