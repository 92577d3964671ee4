"""Authentication: bearer keys, revocation, and the one-time secret."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from core.models import ApiKey, Workspace
from core.models.apikey import digest_key

pytestmark = pytest.mark.django_db


def test_missing_key_is_a_401() -> None:
    response = APIClient().get("/api/v1/journeys/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_key_is_a_401(workspace: Workspace) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer tf_not-a-key")
    assert client.get("/api/v1/journeys/").status_code == 401


def test_malformed_header_is_a_401() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer two words")
    assert client.get("/api/v1/journeys/").status_code == 401


def test_revoked_key_is_a_401(api: APIClient) -> None:
    keys = api.get("/api/v1/api-keys/").json()["results"]
    assert api.delete(f"/api/v1/api-keys/{keys[0]['id']}/").status_code == 204
    response = api.get("/api/v1/journeys/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_key_secret_is_shown_once_and_stored_hashed(api: APIClient) -> None:
    created = api.post("/api/v1/api-keys/", {"name": "ci", "scopes": ["read"]}, format="json")
    assert created.status_code == 201
    body = created.json()
    raw = body["key"]
    assert raw.startswith(body["prefix"])
    stored = ApiKey.objects.get(pk=body["id"])
    assert stored.digest == digest_key(raw)
    assert raw not in str(ApiKey.objects.filter(pk=body["id"]).values().first())
    listing = api.get("/api/v1/api-keys/").json()["results"]
    assert all("key" not in item for item in listing)
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert reader.get("/api/v1/journeys/").status_code == 200
    assert reader.post("/api/v1/journeys/", {"name": "x"}, format="json").status_code == 403


def test_a_key_cannot_grant_scopes_it_lacks(workspace: Workspace, make_client: Any) -> None:
    writer = make_client(workspace, scopes=("read", "write"))
    response = writer.post("/api/v1/api-keys/", {"scopes": ["ingest"]}, format="json")
    assert response.status_code == 400
    assert "scopes" in response.json()


def test_other_workspaces_keys_are_invisible(api: APIClient, other_api: APIClient) -> None:
    own = api.get("/api/v1/api-keys/").json()["results"][0]["id"]
    assert other_api.delete(f"/api/v1/api-keys/{own}/").status_code == 404
    assert other_api.get(f"/api/v1/api-keys/{own}/").status_code == 404


def test_create_api_key_command_prints_the_key_last(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("touchflow_create_api_key", "--workspace", "fresh", "--scopes", "read,ingest")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    key = ApiKey.objects.get(digest=digest_key(raw))
    assert key.workspace.slug == "fresh"
    assert key.scopes == ["read", "ingest"]


def test_create_api_key_command_refuses_unknown_scopes() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="admin"):
        call_command("touchflow_create_api_key", "--workspace", "x", "--scopes", "admin")
