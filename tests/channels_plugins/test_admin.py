"""The admin never renders a secret back and keeps secrets left blank."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from channels_plugins import services
from channels_plugins.models import AccountGate, ChannelAccount
from channels_plugins.registry import Registry
from core.models import Workspace
from tests.channels_plugins.plugin import NESTED_SECRET, SECRET

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chat_plugin")]
ADD = "/admin/channels_plugins/channelaccount/add/"
CONFIG = {
    "api_key": SECRET,
    "sender": "Bot",
    "oauth": {"client_id": "c", "client_secret": NESTED_SECRET},
}


@pytest.fixture
def account(workspace: Workspace, chat_plugin: Registry) -> ChannelAccount:
    return services.create_account(
        workspace, name="chat-main", channel="chat", provider="chatops", config=CONFIG
    )


def change_url(account: ChannelAccount) -> str:
    return f"/admin/channels_plugins/channelaccount/{account.pk}/change/"


def test_the_change_page_masks_secrets(admin_client: Client, account: ChannelAccount) -> None:
    page = admin_client.get(change_url(account)).content.decode()
    assert SECRET not in page
    assert NESTED_SECRET not in page
    assert services.MASK in page
    assert "client_id" in page


def test_saving_without_the_secrets_keeps_them(
    admin_client: Client, account: ChannelAccount
) -> None:
    response = admin_client.post(
        change_url(account),
        {
            "name": "chat-renamed",
            "provider": "chatops",
            "config": json.dumps({"sender": "New", "oauth": {"client_id": "c"}}),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account.refresh_from_db()
    assert account.name == "chat-renamed"
    assert account.channel == "chat"
    assert account.track_clicks is False
    assert account.config == {**CONFIG, "sender": "New"}


def test_invalid_config_is_a_form_error(admin_client: Client, workspace: Workspace) -> None:
    body = {
        "workspace": workspace.pk,
        "name": "chat-main",
        "channel": "chat",
        "provider": "chatops",
        "config": json.dumps({"sender": 5}),
    }
    response = admin_client.post(ADD, body)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This field is required. (at /api_key)" in page
    assert "(at /sender)" in page
    assert not ChannelAccount.objects.exists()


def test_adding_an_account(admin_client: Client, workspace: Workspace) -> None:
    body = {
        "workspace": workspace.pk,
        "name": "chat-main",
        "channel": "chat",
        "provider": "chatops",
        "config": json.dumps({"api_key": SECRET}),
        "track_clicks": "on",
    }
    response = admin_client.post(ADD, body)
    assert response.status_code == 302, response.content.decode()[:2000]
    account = ChannelAccount.objects.get()
    assert (account.workspace, account.config, account.track_clicks) == (
        workspace,
        {"api_key": SECRET},
        True,
    )
    assert SECRET not in admin_client.get(change_url(account)).content.decode()


def test_the_change_page_shows_the_receipt_url_and_an_action_replaces_it(
    admin_client: Client, account: ChannelAccount
) -> None:
    page = admin_client.get(change_url(account)).content.decode()
    assert f"/hooks/{account.pk}/{account.hook_token}/" in page
    old = account.hook_token
    response = admin_client.post(
        "/admin/channels_plugins/channelaccount/",
        {"action": "rotate_receipt_url", "_selected_action": [account.pk]},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.hook_token != old
    assert len(account.hook_token) >= 40


def test_the_change_page_shows_the_circuit_breaker(
    admin_client: Client, account: ChannelAccount
) -> None:
    assert (
        "Closed, 0 consecutive failures" in admin_client.get(change_url(account)).content.decode()
    )
    opened = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)
    AccountGate.objects.create(
        account=account,
        breaker="open",
        failures=5,
        opened_at=opened,
        reopens_at=opened + timedelta(minutes=1),
    )
    page = admin_client.get(change_url(account)).content.decode()
    assert (
        "Open, 5 consecutive failures; opened 2026-11-02 04:00:00 UTC, "
        "next probe 2026-11-02 04:01:00 UTC"
    ) in page
