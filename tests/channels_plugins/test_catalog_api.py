"""`GET /channels/`: the catalog the canvas builds its forms from."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from channels_plugins.builtin.channels import PUSH
from channels_plugins.registry import Registry
from channels_plugins.testing import registered_plugin
from core.models import Workspace
from tests.channels_plugins.plugin import CHAT, CHATOPS, ChatPlugin
from tests.channels_plugins.test_registry import only
from tests.conftest import ClientFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/channels/"


def test_the_catalog_lists_channels_with_schemas_and_providers(
    api: APIClient, chat_plugin: Registry
) -> None:
    response = api.get(URL)
    assert response.status_code == 200
    channels = {c["name"]: c for c in response.json()["channels"]}
    assert list(channels) == ["sms", "push", "wechat", "email", "chat"]
    assert channels["push"]["params_schema"] == PUSH.params_schema
    assert channels["push"]["title"] == PUSH.title
    assert channels["chat"]["params_schema"] == CHAT.params_schema
    assert channels["sms"]["legal_hours"] == {"start": "08:00", "end": "21:00"}
    assert channels["push"]["legal_hours"] is None
    sms_by_name = {p["name"]: p for p in channels["sms"]["providers"]}
    assert channels["chat"]["providers"] == [
        {
            "name": "chatops",
            "title": "ChatOps",
            "description": "",
            "plugin": "acme-chat",
            "config_schema": CHATOPS.account_schema(),
        },
        {
            "name": "sandbox",
            "title": "Sandbox",
            "description": "Records messages instead of sending them.",
            "plugin": "builtin.sandbox",
            "config_schema": sms_by_name["sandbox"]["config_schema"],
        },
    ]
    sms_providers = [p["name"] for p in channels["sms"]["providers"]]
    assert sms_providers == ["aliyun", "chatops", "sandbox", "tencent", "twilio"]
    secret = channels["chat"]["providers"][0]["config_schema"]["properties"]["api_key"]
    assert secret["writeOnly"] is True
    # Forms offer every account the generic rate limit, on top of the provider's own fields.
    generic = channels["chat"]["providers"][0]["config_schema"]["properties"]["rate_limit"]
    assert generic["required"] == ["per_second"]
    assert "rate_limit" not in CHATOPS.config_schema["properties"]


def test_a_blocked_plugin_leaves_the_catalog(api: APIClient) -> None:
    with only(PLUGINS_BLOCK=["acme-chat"]), registered_plugin(ChatPlugin(), name="acme-chat"):
        names = [c["name"] for c in api.get(URL).json()["channels"]]
    assert names == ["sms", "push", "wechat", "email"]


def test_read_scope_is_enough(workspace: Workspace, make_client: ClientFactory) -> None:
    reader = make_client(workspace, scopes=("read",))
    assert reader.get(URL).status_code == 200
