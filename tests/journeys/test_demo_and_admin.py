"""The demo workspace loader and the admin: scoped to memberships, lifecycle actions work."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from channels_plugins.models import ChannelAccount
from core.models import Contact, Membership, Role, Segment, Workspace
from journeys.demo import DEMO_PASSWORD, DEMO_USERNAME, editors_group, load_demo
from journeys.models import Journey, JourneyStatus

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Workspace, ChannelAccount, Segment, Contact, Journey)
    )


def test_demo_loads_once_and_prints_the_login(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("touchflow_load_demo")
    first = counts()
    assert first == (1, 5, 3, 3, 5)
    call_command("touchflow_load_demo")
    assert counts() == first
    out = capsys.readouterr().out
    assert f"Demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}" in out
    assert "already loaded" in out


def test_demo_login_reaches_the_admin_journey_list() -> None:
    load_demo()
    client = Client()
    assert client.login(username=DEMO_USERNAME, password=DEMO_PASSWORD)
    page = client.get("/admin/journeys/journey/")
    assert page.status_code == 200
    assert b"Cross-channel fallback chain" in page.content


def staff_member(workspace: Workspace, role: str, username: str) -> Client:
    user = get_user_model().objects.create_user(username=username, password="pw", is_staff=True)
    user.groups.add(editors_group())
    Membership.objects.create(workspace=workspace, user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


def test_admin_lists_only_the_users_workspaces(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    Journey.objects.create(workspace=workspace, name="Ours")
    Journey.objects.create(workspace=other_workspace, name="Theirs")
    client = staff_member(workspace, Role.EDITOR, "ed")
    page = client.get("/admin/journeys/journey/").content
    assert b"Ours" in page
    assert b"Theirs" not in page
    theirs = Journey.objects.get(name="Theirs")
    assert client.get(f"/admin/journeys/journey/{theirs.pk}/change/").status_code == 302


def test_viewer_cannot_change_in_the_admin(workspace: Workspace) -> None:
    journey = Journey.objects.create(workspace=workspace, name="Ours")
    client = staff_member(workspace, Role.VIEWER, "viewer")
    url = f"/admin/journeys/journey/{journey.pk}/change/"
    assert client.get(url).status_code == 200  # may look
    response = client.post(url, {"name": "Renamed", "workspace": workspace.pk, "definition": "{}"})
    assert response.status_code == 403
    assert Journey.objects.get(pk=journey.pk).name == "Ours"


def test_admin_publish_action_uses_the_service(workspace: Workspace) -> None:
    load_demo()
    demo = Workspace.objects.get(slug="demo")
    journey = Journey.objects.filter(workspace=demo).first()
    assert journey is not None
    client = Client()
    client.login(username=DEMO_USERNAME, password=DEMO_PASSWORD)
    response = client.post(
        "/admin/journeys/journey/",
        {"action": "publish", "_selected_action": [journey.pk]},
        follow=True,
    )
    assert response.status_code == 200
    journey.refresh_from_db()
    assert journey.status == JourneyStatus.ACTIVE
    assert journey.versions.count() == 1
    client.post("/admin/journeys/journey/", {"action": "pause", "_selected_action": [journey.pk]})
    journey.refresh_from_db()
    assert journey.status == JourneyStatus.PAUSED


def test_admin_edit_of_a_stale_page_is_refused(workspace: Workspace) -> None:
    journey = Journey.objects.create(workspace=workspace, name="Ours")
    client = staff_member(workspace, Role.EDITOR, "ed")
    url = f"/admin/journeys/journey/{journey.pk}/change/"
    Journey.objects.filter(pk=journey.pk).update(rev=5, name="Changed by the API")
    client.post(
        url,
        {
            "name": "Stale edit",
            "workspace": workspace.pk,
            "description": "",
            "definition": "{}",
            "expected_rev": 1,
        },
    )
    journey.refresh_from_db()
    assert journey.name == "Changed by the API"


def test_admin_refuses_a_segment_rule_the_api_would_refuse(workspace: Workspace) -> None:
    client = staff_member(workspace, Role.EDITOR, "ed")
    response = client.post(
        "/admin/core/segment/add/",
        {"workspace": workspace.pk, "key": "bad", "name": "", "rule": '{"attr": "x", "op": "is"}'},
    )
    assert response.status_code == 200  # the form comes back with the error
    assert b"rule.invalid" in response.content
    assert not Segment.objects.exists()
