"""Channel accounts over REST: validation, secrets never returned, tenant isolation, scopes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from channels_plugins.models import ChannelAccount
from channels_plugins.registry import reset_registry
from channels_plugins.services import account_channels
from channels_plugins.testing import registered_plugin
from core.models import Workspace
from tests.channels.plugin_fixtures import ChatPlugin
from tests.conftest import ClientFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/channel-accounts/"
SECRET = "sk-very-secret-value"


@pytest.fixture(autouse=True)
def chat_plugin() -> Iterator[None]:
    with registered_plugin(ChatPlugin(), name="acme-chat"):
        yield
    reset_registry()


def create(api: APIClient, **body: Any) -> Any:
    return api.post(URL, body, format="json")


def test_create_read_list_delete(api: APIClient, workspace: Workspace) -> None:
    response = create(api, name="push-main", channel="push", provider="sandbox", config={})
    assert response.status_code == 201, response.content
    account = response.json()
    assert account["name"] == "push-main"
    assert account["track_clicks"] is False
    assert api.get(f"{URL}{account['id']}/").json()["channel"] == "push"
    assert [a["name"] for a in api.get(URL).json()["results"]] == ["push-main"]
    assert account_channels(workspace) == {"push-main": "push"}
    assert api.delete(f"{URL}{account['id']}/").status_code == 204
    assert not ChannelAccount.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "a", "channel": "fax", "provider": "sandbox", "config": {}}, "channel"),
        ({"name": "a", "channel": "push", "provider": "chatops", "config": {}}, "provider"),
        ({"name": "a", "channel": "chat", "provider": "chatops", "config": {}}, "config"),
        (
            {
                "name": "a",
                "channel": "chat",
                "provider": "chatops",
                "config": {"api_key": SECRET, "sender": 5},
            },
            "config",
        ),
        ({"name": "a", "channel": "push", "provider": "sandbox", "config": [1]}, "config"),
        ({"name": "a", "channel": "push", "provider": "sandbox", "colour": "red"}, "colour"),
    ],
)
def test_invalid_accounts_are_refused_with_the_field(
    api: APIClient, body: dict[str, Any], field: str
) -> None:
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ChannelAccount.objects.exists()


def test_config_errors_name_their_pointer(api: APIClient) -> None:
    response = create(
        api, name="a", channel="chat", provider="chatops", config={"api_key": SECRET, "sender": 5}
    )
    assert "(at /sender)" in response.json()["config"][0]


def test_duplicate_name_is_a_400_not_a_500(api: APIClient) -> None:
    create(api, name="dup", channel="push", provider="sandbox", config={})
    response = create(api, name="dup", channel="sms", provider="sandbox", config={})
    assert response.status_code == 400
    assert "name" in response.json()


def test_secrets_are_stored_never_returned_and_kept_when_omitted(api: APIClient) -> None:
    created = create(
        api,
        name="chat",
        channel="chat",
        provider="chatops",
        config={"api_key": SECRET, "sender": "Bot"},
    )
    assert created.status_code == 201
    url = f"{URL}{created.json()['id']}/"
    responses = [created, api.get(url), api.get(URL)]
    patched = api.patch(url, {"config": {"sender": "New bot"}}, format="json")
    assert patched.status_code == 200, patched.content
    responses.append(patched)
    for response in responses:
        assert SECRET not in response.content.decode()
    assert patched.json()["config"] == {"sender": "New bot"}
    stored = ChannelAccount.objects.get()
    assert stored.config == {"api_key": SECRET, "sender": "New bot"}
    api.patch(url, {"config": {"api_key": "sk-rotated"}}, format="json")
    stored.refresh_from_db()
    assert stored.config == {"api_key": "sk-rotated"}


def test_channel_catalog(api: APIClient) -> None:
    channels = {c["name"]: c for c in api.get("/api/v1/channels/").json()["channels"]}
    assert {"sms", "push", "wechat", "email", "chat"} <= set(channels)
    assert channels["push"]["params_schema"]["required"] == ["title", "body"]
    chat_providers = {p["name"]: p for p in channels["chat"]["providers"]}
    assert chat_providers["chatops"]["plugin"] == "acme-chat"
    assert chat_providers["chatops"]["config_schema"]["properties"]["api_key"]["writeOnly"]


@pytest.mark.parametrize(
    ("method", "body"),
    [("get", None), ("patch", {"name": "stolen"}), ("delete", None)],
)
def test_another_workspaces_account_is_a_404(
    api: APIClient, other_api: APIClient, method: str, body: Any
) -> None:
    account = create(api, name="ours", channel="push", provider="sandbox", config={}).json()
    response = getattr(other_api, method)(f"{URL}{account['id']}/", body, format="json")
    assert response.status_code == 404
    assert other_api.get(URL).json()["results"] == []
    assert ChannelAccount.objects.get().name == "ours"


def test_read_scope_cannot_create(workspace: Workspace, make_client: ClientFactory) -> None:
    reader = make_client(workspace, scopes=("read",))
    assert reader.get(URL).status_code == 200
    body = {"name": "a", "channel": "push", "provider": "sandbox", "config": {}}
    assert reader.post(URL, body, format="json").status_code == 403
