"""The contract's examples through the REST API, in the demo workspace (real channel plugins,
real accounts and segments): each example validates unchanged and publishes; each invalid
fixture fails with its code at its location."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from core.models import Workspace
from journeys.demo import DEMO_SLUG, load_demo
from tests.conftest import ClientFactory
from tests.support.system import shared_examples_dir

pytestmark = pytest.mark.django_db
INVALID_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "journeys" / "invalid"
EXAMPLES = [
    "onboarding_drip.json",
    "silent_staircase.json",
    "cart_abc_test.json",
    "fallback_chain.json",
    "high_value_routing.json",
]


@pytest.fixture
def demo_api(make_client: ClientFactory) -> APIClient:
    load_demo()
    return make_client(Workspace.objects.get(slug=DEMO_SLUG))


def draft(api: APIClient, definition: Any) -> int:
    response = api.post("/api/v1/journeys/", {"name": "t", "definition": {}}, format="json")
    assert response.status_code == 201
    journey_id: int = response.json()["id"]
    if definition is not None:
        patch = api.patch(
            f"/api/v1/journeys/{journey_id}/", {"rev": 1, "definition": definition}, format="json"
        )
        assert patch.status_code in (200, 400), patch.content
    return journey_id


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_validates_unchanged_and_publishes(demo_api: APIClient, name: str) -> None:
    document = json.loads((shared_examples_dir() / name).read_text())
    journey_id = draft(demo_api, document)
    url = f"/api/v1/journeys/{journey_id}/"
    assert demo_api.post(f"{url}validate/", {}, format="json").json() == {
        "valid": True,
        "errors": [],
    }
    assert demo_api.post(f"{url}publish/", {}, format="json").status_code == 201
    assert demo_api.get(f"{url}versions/1/").json()["definition"] == document


@pytest.mark.parametrize("path", sorted(INVALID_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_each_invalid_fixture_fails_with_its_code_through_the_api(
    demo_api: APIClient, path: Path
) -> None:
    fixture = json.loads(path.read_text())
    journey_id = draft(demo_api, None)
    response = demo_api.post(
        f"/api/v1/journeys/{journey_id}/validate/",
        {"definition": fixture["document"]},
        format="json",
    )
    if not isinstance(fixture["document"], dict):
        assert response.status_code == 400  # not even a draft: refused before validation
        return
    body = response.json()
    assert body["valid"] is False
    found = {(e["code"], e["node_id"], e["path"]) for e in body["errors"]}
    expected = {(e["code"], e["node_id"], e["path"]) for e in fixture["errors"]}
    assert expected <= found, body["errors"]
