"""POST /journeys/{id}/preview/: a node rendered for a real contact, as the send node would."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from channels_plugins.models import ChannelAccount, Message
from core.models import Role, Workspace
from core.services.contacts import upsert_contact
from journeys.engine.batch import ContactState
from journeys.models import Journey
from journeys.nodes.templates import data_context, render_leaves
from tests.journeys.builders import JourneyBuilder
from tests.journeys.test_journey_api import create, make_member

pytestmark = pytest.mark.django_db

PARAMS = {
    "title": "Hi {{ contact.first_name }}",
    "body": "{{ contact.attributes.plan | default('free') }} in {{ journey.name }}",
    "data": {"tags": "{{ contact.tags | join(',') }}", "n": "3"},
}


def document(params: dict[str, Any] | None = None) -> dict[str, Any]:
    return (
        JourneyBuilder()
        .entry()
        .node("push1", "send", {"channel": "push", "account": "main", "params": params or PARAMS})
        .node(
            "hook",
            "webhook",
            {
                "url": "https://example.test/u/{{ contact.external_id }}",
                "headers": {"X-Name": "{{ contact.first_name }}"},
                "body": {"who": "{{ contact.email }}", "list": ["{{ contact.tags[0] }}"]},
            },
        )
        .exit("done")
        .chain("start", "push1", "hook", "done")
        .build()
    )


@pytest.fixture
def ann(workspace: Workspace) -> None:
    upsert_contact(
        workspace,
        {
            "external_id": "ann",
            "first_name": "Ann",
            "email": "ann@example.test",
            "attributes": {"plan": "gold"},
            "tags": ["vip", "beta"],
        },
    )


def url(journey: dict[str, Any]) -> str:
    return f"/api/v1/journeys/{journey['id']}/preview/"


def test_send_node_renders_for_the_contact_as_the_walker_would(
    api: APIClient, workspace: Workspace, ann: None
) -> None:
    journey = create(api, document())
    response = api.post(url(journey), {"node": "push1", "contact": "ann"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "node": "push1",
        "channel": "push",
        "content": {
            "title": "Hi Ann",
            "body": "gold in Welcome",
            "data": {"tags": "vip,beta", "n": "3"},
        },
        "errors": [],
    }
    contact = workspace.contacts.get(external_id="ann")
    context = data_context(ContactState.of(contact).template_data(), None, journey["id"], "Welcome")
    assert response.json()["content"] == render_leaves(PARAMS, context)
    assert not Message.objects.exists()


def test_webhook_node_renders_its_call(api: APIClient, ann: None) -> None:
    journey = create(api, document())
    response = api.post(url(journey), {"node": "hook", "contact": "ann"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["channel"] == "webhook"
    assert response.json()["content"] == {
        "url": "https://example.test/u/ann",
        "headers": {"X-Name": "Ann"},
        "body": {"who": "ann@example.test", "list": ["vip"]},
        "method": "POST",
    }


def test_template_errors_are_located_and_the_rest_still_renders(api: APIClient, ann: None) -> None:
    params = {
        "title": "{{ 1 / 0 }}",
        "body": "ok {{ contact.first_name }}",
        "data": {"x": "{% if %}"},
    }
    journey = create(api, document(params))
    response = api.post(url(journey), {"node": "push1", "contact": "ann"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["content"] == {"title": None, "body": "ok Ann", "data": {"x": None}}
    assert [(e["code"], e["path"], e["node_id"]) for e in body["errors"]] == [
        ("template.syntax", "/nodes/1/config/params/data/x", "push1"),
        ("template.render", "/nodes/1/config/params/title", "push1"),
    ]
    assert "ZeroDivisionError" in body["errors"][1]["message"]


def test_definition_in_the_body_and_published_versions(
    api: APIClient, workspace: Workspace, ann: None
) -> None:
    ChannelAccount.objects.create(
        workspace=workspace, name="main", channel="push", provider="sandbox"
    )
    journey = create(api, document())
    published = api.post(f"/api/v1/journeys/{journey['id']}/publish/", {}, format="json")
    assert published.status_code == 201, published.content
    changed = document({"title": "New {{ contact.first_name }}", "body": "b"})
    response = api.post(
        url(journey), {"node": "push1", "contact": "ann", "definition": changed}, format="json"
    )
    assert response.json()["content"] == {"title": "New Ann", "body": "b"}
    response = api.post(
        url(journey), {"node": "push1", "contact": "ann", "version": 1}, format="json"
    )
    assert response.json()["content"]["title"] == "Hi Ann"
    response = api.post(
        url(journey), {"node": "push1", "contact": "ann", "version": 9}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "preview.version_unknown"
    assert response.json()["errors"][0]["path"] == "/version"


@pytest.mark.parametrize(
    ("body", "code", "path"),
    [
        ({"node": "nope", "contact": "ann"}, "preview.node_unknown", "/node"),
        ({"node": "start", "contact": "ann"}, "preview.node_not_rendered", "/node"),
        ({"node": "push1", "contact": "ghost"}, "preview.contact_unknown", "/contact"),
        ({"contact": "ann"}, "preview.invalid", "/node"),
        ({"node": "push1", "contact": 3}, "preview.invalid", "/contact"),
        ({"node": "push1", "contact": "ann", "version": "1"}, "preview.invalid", "/version"),
        ({"node": "push1", "contact": "ann", "definition": []}, "preview.invalid", "/definition"),
        ({"node": "push1", "contact": "ann", "colour": 1}, "preview.invalid", "/colour"),
    ],
)
def test_bad_requests_are_refused_with_located_errors(
    api: APIClient, ann: None, body: dict[str, Any], code: str, path: str
) -> None:
    journey = create(api, document())
    response = api.post(url(journey), body, format="json")
    assert response.status_code == 400, response.content
    assert (response.json()["errors"][0]["code"], response.json()["errors"][0]["path"]) == (
        code,
        path,
    )


def test_a_non_object_body_is_refused(api: APIClient) -> None:
    journey = create(api, document())
    response = api.post(url(journey), [1], format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "preview.invalid"


def test_a_viewer_and_a_read_key_may_preview(
    workspace: Workspace, make_client: Any, api: APIClient, ann: None
) -> None:
    journey = create(api, document())
    for client in (make_member(workspace, Role.VIEWER), make_client(workspace, scopes=("read",))):
        response = client.post(url(journey), {"node": "push1", "contact": "ann"}, format="json")
        assert response.status_code == 200, response.content
    ingester = make_client(workspace, scopes=("ingest",))
    assert (
        ingester.post(url(journey), {"node": "push1", "contact": "ann"}, format="json").status_code
        == 403
    )


def test_another_workspaces_journey_and_contacts_are_not_found(
    api: APIClient, other_api: APIClient, other_workspace: Workspace, ann: None
) -> None:
    journey = create(api, document())
    response = other_api.post(url(journey), {"node": "push1", "contact": "ann"}, format="json")
    assert response.status_code == 404
    mine = create(other_api, document())
    response = other_api.post(url(mine), {"node": "push1", "contact": "ann"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "preview.contact_unknown"
    assert Journey.objects.filter(workspace=other_workspace).count() == 1
