"""The canvas pages without a browser: who may open them, what they hand the app, new journeys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import override_settings

from core import js_catalog
from core.js_catalog import catalog_version
from core.message_catalogs import LOCALE_DIR
from core.models import Membership, Role, Workspace
from journeys.demo import editors_group
from journeys.models import Journey


def signed_in(workspace: Workspace | None, role: str | None, *, name: str = "marketer") -> Client:
    user = get_user_model().objects.create_user(username=name, password="x", is_staff=True)
    user.groups.add(editors_group())
    if workspace is not None and role is not None:
        Membership.objects.create(workspace=workspace, user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def journey(workspace: Workspace) -> Journey:
    return Journey.objects.create(workspace=workspace, name="Launch")


def test_signed_out_people_are_sent_to_the_login(journey: Journey) -> None:
    answer = Client().get(f"/journeys/{journey.pk}/canvas/")
    assert answer.status_code == 302
    assert "/admin/login/" in answer["Location"]


def test_people_outside_the_workspace_get_404(journey: Journey, other_workspace: Workspace) -> None:
    client = signed_in(other_workspace, Role.OWNER)
    assert client.get(f"/journeys/{journey.pk}/canvas/").status_code == 404


@pytest.mark.parametrize(("role", "read_only"), [(Role.VIEWER, "true"), (Role.EDITOR, "false")])
def test_the_page_hands_the_app_its_journey_and_whether_it_may_edit(
    journey: Journey, workspace: Workspace, role: str, read_only: str
) -> None:
    page = signed_in(workspace, role).get(f"/journeys/{journey.pk}/canvas/")
    if page.status_code == 503:
        pytest.skip("the canvas is not built: run `make canvas`")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-journey-id="{journey.pk}"' in html
    assert f'data-read-only="{read_only}"' in html
    assert 'data-api="/api/v1/"' in html
    assert 'data-workspace="acme"' in html
    assert f"/jsi18n/?v={catalog_version()}" in html


def test_the_translations_the_page_loads_are_cached_by_the_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catalog is the one request the canvas waits for before its script runs: its URL
    carries a digest of the compiled catalogs, so it can be kept, and a new catalog is a new URL."""
    answer = Client().get(f"/jsi18n/?v={catalog_version()}", headers={"Accept-Language": "zh-hans"})
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "max-age=31536000, private, immutable"
    assert "Accept-Language" in answer["Vary"]
    assert json.dumps("插入变量") in answer.content.decode()  # the catalog escapes non-ASCII

    shipped = catalog_version()
    copy = tmp_path / "zh_Hans" / "LC_MESSAGES"
    copy.mkdir(parents=True)
    mo = next(LOCALE_DIR.glob("zh_Hans/LC_MESSAGES/djangojs.mo"))
    (copy / "djangojs.mo").write_bytes(mo.read_bytes() + b"\0")
    monkeypatch.setattr(js_catalog, "LOCALE_DIR", tmp_path)
    catalog_version.cache_clear()
    try:
        assert catalog_version() != shipped
    finally:
        catalog_version.cache_clear()


def test_an_unbuilt_canvas_says_how_to_build_it(
    journey: Journey, workspace: Workspace, tmp_path: Path
) -> None:
    with override_settings(CANVAS_BUILD_DIR=tmp_path):
        page = signed_in(workspace, Role.EDITOR).get(f"/journeys/{journey.pk}/canvas/")
    assert page.status_code == 503
    assert b"make run" in page.content


def test_new_journey_starts_from_a_scenario_and_opens_the_canvas(workspace: Workspace) -> None:
    client = signed_in(workspace, Role.EDITOR)
    form = client.get("/journeys/new/")
    assert form.status_code == 200
    assert b"Cross-channel fallback chain" in form.content
    answer = client.post("/journeys/new/", {"name": "Members' day", "start": "fallback_chain"})
    journey = Journey.objects.get(name="Members' day")
    assert answer.status_code == 302
    assert answer["Location"] == f"/journeys/{journey.pk}/canvas/"
    assert journey.workspace == workspace
    assert [node["id"] for node in journey.definition["nodes"]][:2] == ["start", "push1"]


def test_an_empty_canvas_is_an_empty_document(workspace: Workspace) -> None:
    signed_in(workspace, Role.OWNER).post("/journeys/new/", {"name": "", "start": "blank"})
    journey = Journey.objects.get()
    assert journey.name == "Untitled journey"
    assert journey.definition["nodes"] == []


def test_viewers_cannot_create_journeys(workspace: Workspace) -> None:
    client = signed_in(workspace, Role.VIEWER)
    assert client.get("/journeys/new/").status_code == 404
    assert client.post("/journeys/new/", {"name": "x"}).status_code == 404
    assert not Journey.objects.exists()


def test_the_admin_links_to_the_canvas(journey: Journey, workspace: Workspace) -> None:
    client = signed_in(workspace, Role.OWNER)
    listing = client.get("/admin/journeys/journey/").content.decode()
    assert f"/journeys/{journey.pk}/canvas/" in listing
    assert "/journeys/new/" in listing
    change = client.get(f"/admin/journeys/journey/{journey.pk}/change/").content.decode()
    assert f"/journeys/{journey.pk}/canvas/" in change


def test_the_page_embeds_what_the_editor_would_first_ask_the_api(
    journey: Journey, workspace: Workspace
) -> None:
    client = signed_in(workspace, Role.EDITOR)
    page = client.get(f"/journeys/{journey.pk}/canvas/")
    if page.status_code == 503:
        pytest.skip("the canvas is not built: run `make canvas`")
    html = page.content.decode()
    start = html.index('<script id="canvas-initial" type="application/json">')
    embedded = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert embedded["journey"] == client.get(f"/api/v1/journeys/{journey.pk}/").json()
    assert embedded["node_types"] == client.get("/api/v1/node-types/").json()["node_types"]
    assert embedded["channels"] == client.get("/api/v1/channels/").json()["channels"]
