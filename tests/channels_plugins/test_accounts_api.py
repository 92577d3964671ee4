"""Channel accounts over REST: validation with located errors, secrets never returned, tenant
isolation and scopes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from channels_plugins.models import AccountGate, ChannelAccount
from channels_plugins.services import account_channels
from core.models import Workspace
from tests.channels_plugins.plugin import NESTED_SECRET, SECRET
from tests.conftest import ClientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chat_plugin")]
URL = "/api/v1/channel-accounts/"
FIELDS = {
    "id",
    "name",
    "channel",
    "provider",
    "config",
    "track_clicks",
    "receipt_url",
    "breaker",
    "created_at",
    "updated_at",
}
CHAT_CONFIG = {
    "api_key": SECRET,
    "sender": "Bot",
    "oauth": {"client_id": "client-1", "client_secret": NESTED_SECRET},
}


def field_map(response: Any) -> dict[str, Any]:
    """DRF's field map of a 400, without the located `errors` list that comes beside it."""
    return {key: value for key, value in response.json().items() if key != "errors"}


def create(api: APIClient, **body: Any) -> Any:
    return api.post(URL, body, format="json")


def create_chat(api: APIClient, name: str = "chat-main") -> dict[str, Any]:
    response = create(api, name=name, channel="chat", provider="chatops", config=CHAT_CONFIG)
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_create_read_list_patch_delete(api: APIClient, workspace: Workspace) -> None:
    response = create(api, name="push-main", channel="push", provider="sandbox")
    assert response.status_code == 201, response.content
    account = response.json()
    assert set(account) == FIELDS
    assert account["config"] == {}
    assert account["track_clicks"] is False
    url = f"{URL}{account['id']}/"
    assert api.get(url).json() == account
    assert api.get(URL).json()["results"] == [account]
    patched = api.patch(url, {"track_clicks": True, "name": "push-app"}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["track_clicks"] is True
    assert account_channels(workspace) == {"push-app": "push"}
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert not ChannelAccount.objects.exists()


def test_each_account_gets_its_own_unguessable_hook_token(
    api: APIClient, workspace: Workspace, make_client: ClientFactory, settings: Any
) -> None:
    settings.TOUCHFLOW = {**settings.TOUCHFLOW, "PUBLIC_URL": "https://tf.example.com/"}
    create(api, name="a", channel="push", provider="sandbox")
    create(api, name="b", channel="push", provider="sandbox")
    tokens = [account.hook_token for account in ChannelAccount.objects.all()]
    assert len(set(tokens)) == 2
    assert all(len(token) >= 40 for token in tokens)
    first = ChannelAccount.objects.order_by("pk")[0]
    expected = f"https://tf.example.com/hooks/{first.pk}/{first.hook_token}/"
    assert api.get(f"{URL}{first.pk}/").json()["receipt_url"] == expected
    assert "hook_token" not in api.get(URL).content.decode()
    # The token authenticates receipts: a read-only key sees neither it nor the URL.
    reader = make_client(workspace, scopes=("read",))
    for response in (reader.get(URL), reader.get(f"{URL}{first.pk}/")):
        assert response.status_code == 200
        assert not any(token in response.content.decode() for token in tokens)
    assert reader.get(f"{URL}{first.pk}/").json()["receipt_url"] is None


def test_rotating_the_receipt_url_retires_the_old_one(
    api: APIClient, make_client: ClientFactory, workspace: Workspace
) -> None:
    account = create(api, name="a", channel="push", provider="sandbox").json()
    rotate = f"{URL}{account['id']}/rotate-receipt-url/"
    assert make_client(workspace, scopes=("read",)).post(rotate).status_code == 403
    response = api.post(rotate)
    assert response.status_code == 200, response.content
    rotated = response.json()["receipt_url"]
    assert rotated != account["receipt_url"]
    assert rotated.endswith(f"/hooks/{account['id']}/{ChannelAccount.objects.get().hook_token}/")
    old_path = "/" + account["receipt_url"].split("/", 3)[3]
    assert api.post(old_path, {}, format="json").status_code == 404


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"name": "a", "channel": "fax", "provider": "sandbox"},
            {"channel": ["Unknown channel 'fax' (chat, email, push, sms, wechat)."]},
        ),
        (
            {"name": "a", "channel": "push", "provider": "chatops"},
            {"provider": ["No provider 'chatops' for push (fcm, huawei, sandbox)."]},
        ),
        (
            {"name": "a", "channel": "chat", "provider": "chatops", "config": {}},
            {"config": ["This field is required. (at /api_key)"]},
        ),
        (
            {
                "name": "a",
                "channel": "chat",
                "provider": "chatops",
                "config": {"api_key": SECRET, "sender": 5, "colour": "red", "oauth": {}},
            },
            {
                "config": [
                    "Unknown field. (at /colour)",
                    "This field is required. (at /oauth/client_id)",
                    "5 is not of type 'string' (at /sender)",
                ]
            },
        ),
        (
            {"name": "a", "channel": "push", "provider": "sandbox", "config": [1]},
            {"config": ["config must be a JSON object."]},
        ),
        (
            {"name": "a", "channel": "push", "provider": "sandbox", "colour": "red"},
            {"colour": ["Unknown field."]},
        ),
        (
            {"name": "not a slug", "channel": "push", "provider": "sandbox"},
            {"name": None},
        ),
        ({"channel": "push", "provider": "sandbox"}, {"name": None}),
    ],
)
def test_invalid_accounts_are_refused_with_located_errors(
    api: APIClient, body: dict[str, Any], errors: dict[str, Any]
) -> None:
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    found = response.json()
    assert set(found) - {"errors"} == set(errors)
    for field, messages in errors.items():
        if messages is not None:
            assert found[field] == messages
    assert SECRET not in response.content.decode()
    assert not ChannelAccount.objects.exists()


def test_duplicate_names_are_a_located_400(
    api: APIClient, other_api: APIClient, workspace: Workspace
) -> None:
    create(api, name="dup", channel="push", provider="sandbox")
    response = create(api, name="dup", channel="sms", provider="sandbox")
    assert response.status_code == 400
    assert field_map(response) == {"name": ["The workspace already has an account named 'dup'."]}
    assert response.json()["errors"][0]["path"] == "/name"
    other = create(api, name="other", channel="sms", provider="sandbox").json()
    renamed = api.patch(f"{URL}{other['id']}/", {"name": "dup"}, format="json")
    assert renamed.status_code == 400
    assert list(field_map(renamed)) == ["name"]
    assert create(other_api, name="dup", channel="push", provider="sandbox").status_code == 201
    assert account_channels(workspace) == {"dup": "push", "other": "sms"}


def test_secrets_are_never_returned(api: APIClient) -> None:
    created = create(api, name="chat-main", channel="chat", provider="chatops", config=CHAT_CONFIG)
    url = f"{URL}{created.json()['id']}/"
    public = {"sender": "Bot", "oauth": {"client_id": "client-1"}}
    patched = api.patch(url, {"track_clicks": True}, format="json")
    responses = [created, api.get(url), api.get(URL), patched]
    for response in responses:
        assert response.status_code in (200, 201)
        body = response.content.decode()
        assert SECRET not in body
        assert NESTED_SECRET not in body
    assert created.json()["config"] == public
    assert api.get(url).json()["config"] == public
    assert api.get(URL).json()["results"][0]["config"] == public
    assert patched.json()["config"] == public
    assert ChannelAccount.objects.get().config == CHAT_CONFIG


def test_secrets_left_out_of_a_patch_keep_their_stored_values(api: APIClient) -> None:
    url = f"{URL}{create_chat(api)['id']}/"
    patched = api.patch(
        url, {"config": {"sender": "New bot", "oauth": {"client_id": "client-2"}}}, format="json"
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["config"] == {"sender": "New bot", "oauth": {"client_id": "client-2"}}
    assert ChannelAccount.objects.get().config == {
        "api_key": SECRET,
        "sender": "New bot",
        "oauth": {"client_id": "client-2", "client_secret": NESTED_SECRET},
    }
    # A secret that is sent replaces the stored one; a non-secret left out is gone.
    api.patch(url, {"config": {"api_key": "sk-rotated"}}, format="json")
    assert ChannelAccount.objects.get().config == {"api_key": "sk-rotated"}


def test_changing_provider_forgets_the_old_secrets(api: APIClient) -> None:
    account = create(
        api, name="sms-main", channel="sms", provider="chatops", config={"api_key": SECRET}
    ).json()
    url = f"{URL}{account['id']}/"
    switched = api.patch(url, {"provider": "sandbox"}, format="json")
    assert switched.status_code == 200, switched.content
    assert ChannelAccount.objects.get().config == {}
    back = api.patch(url, {"provider": "chatops"}, format="json")
    assert field_map(back) == {"config": ["This field is required. (at /api_key)"]}
    assert back.json()["errors"] == [
        {
            "code": "config.invalid",
            "message": "This field is required.",
            "path": "/config/api_key",
        }
    ]


def test_the_channel_cannot_change(api: APIClient) -> None:
    account = create(api, name="sms-main", channel="sms", provider="sandbox").json()
    url = f"{URL}{account['id']}/"
    response = api.patch(url, {"channel": "push"}, format="json")
    assert response.status_code == 400
    assert list(field_map(response)) == ["channel"]
    assert api.patch(url, {"channel": "sms"}, format="json").status_code == 200
    assert ChannelAccount.objects.get().channel == "sms"


def test_unknown_fields_in_a_patch_are_refused(api: APIClient) -> None:
    url = f"{URL}{create_chat(api)['id']}/"
    response = api.patch(url, {"hook_token": "mine"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"hook_token": ["Unknown field."]}


def test_invalid_config_in_a_patch_changes_nothing(api: APIClient) -> None:
    url = f"{URL}{create_chat(api)['id']}/"
    response = api.patch(url, {"name": "renamed", "config": {"sender": 1}}, format="json")
    assert response.status_code == 400
    assert field_map(response) == {"config": ["1 is not of type 'string' (at /sender)"]}
    stored = ChannelAccount.objects.get()
    assert (stored.name, stored.config) == ("chat-main", CHAT_CONFIG)


@pytest.mark.parametrize(
    ("method", "body"),
    [("get", None), ("patch", {"name": "stolen"}), ("delete", None)],
)
def test_another_workspaces_account_is_a_404(
    api: APIClient, other_api: APIClient, method: str, body: Any
) -> None:
    account = create_chat(api, name="ours")
    response = getattr(other_api, method)(f"{URL}{account['id']}/", body, format="json")
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    assert other_api.get(URL).json()["results"] == []
    assert ChannelAccount.objects.get().name == "ours"


@pytest.mark.parametrize("scopes", [("read",), ("ingest",), ("read", "ingest")])
def test_changes_need_the_write_scope(
    api: APIClient, workspace: Workspace, make_client: ClientFactory, scopes: tuple[str, ...]
) -> None:
    url = f"{URL}{create_chat(api)['id']}/"
    client = make_client(workspace, scopes=scopes)
    body = {"name": "a", "channel": "push", "provider": "sandbox"}
    assert client.post(URL, body, format="json").status_code == 403
    assert client.patch(url, {"name": "renamed"}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    assert ChannelAccount.objects.get().name == "chat-main"
    expected = 200 if "read" in scopes else 403
    assert client.get(URL).status_code == expected
    assert client.get(url).status_code == expected


def test_anonymous_callers_are_refused() -> None:
    assert APIClient().get(URL).status_code in (401, 403)
    assert APIClient().get("/api/v1/channels/").status_code in (401, 403)


def test_an_account_shows_its_breaker_and_takes_a_generic_rate_limit(api: APIClient) -> None:
    rate_limit = {"per_second": 5, "burst": 10}
    response = create(
        api, name="push-main", channel="push", provider="sandbox", config={"rate_limit": rate_limit}
    )
    assert response.status_code == 201, response.content
    account = response.json()
    assert account["config"] == {"rate_limit": rate_limit}
    closed = {"state": "closed", "failures": 0, "opened_at": None, "reopens_at": None}
    assert account["breaker"] == closed
    opened = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)
    AccountGate.objects.create(
        account_id=account["id"],
        breaker="open",
        failures=5,
        opened_at=opened,
        reopens_at=opened + timedelta(minutes=1),
    )
    [listed] = api.get(URL).json()["results"]
    assert listed["breaker"] == {
        "state": "open",
        "failures": 5,
        "opened_at": "2026-11-02T04:00:00Z",
        "reopens_at": "2026-11-02T04:01:00Z",
    }
    bad = create(api, name="x", channel="push", provider="sandbox", config={"rate_limit": {}})
    assert bad.status_code == 400
