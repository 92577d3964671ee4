"""Account services without HTTP: secrets, masking, and what happens when a plugin leaves."""

from __future__ import annotations

import pytest

from channels_plugins import services
from channels_plugins.models import ChannelAccount
from channels_plugins.registry import Registry
from channels_plugins.testing import registered_plugin
from core.models import Workspace
from tests.channels_plugins.plugin import NESTED_SECRET, SECRET, ChatPlugin
from tests.channels_plugins.test_registry import only

pytestmark = pytest.mark.django_db
CONFIG = {"api_key": SECRET, "sender": "Bot", "oauth": {"client_id": "c", "client_secret": "s"}}


@pytest.fixture
def account(workspace: Workspace, chat_plugin: Registry) -> ChannelAccount:
    return services.create_account(
        workspace, name="chat-main", channel="chat", provider="chatops", config=CONFIG
    )


def test_public_and_masked_config(account: ChannelAccount) -> None:
    assert services.public_config(account) == {"sender": "Bot", "oauth": {"client_id": "c"}}
    assert services.masked_config(account) == {
        "api_key": services.MASK,
        "sender": "Bot",
        "oauth": {"client_id": "c", "client_secret": services.MASK},
    }
    assert account.config == CONFIG  # neither view touches the stored config


def test_an_account_whose_provider_left_shows_no_config(workspace: Workspace) -> None:
    with registered_plugin(ChatPlugin(), name="acme-chat"):
        account = services.create_account(
            workspace, name="chat-main", channel="chat", provider="chatops", config=CONFIG
        )
    # The plugin is gone: nobody can say which fields were secret.
    assert services.public_config(account) == {}
    assert services.masked_config(account) == dict.fromkeys(CONFIG, services.MASK)
    with pytest.raises(services.AccountInvalid) as refused:
        services.update_account(account, name="renamed")
    assert refused.value.errors[0].field == "channel"


def test_a_nested_secret_is_kept_only_while_its_object_is(account: ChannelAccount) -> None:
    services.update_account(account, config={"oauth": {"client_id": "c2"}})
    account.refresh_from_db()
    assert account.config == {
        "api_key": SECRET,
        "oauth": {"client_id": "c2", "client_secret": "s"},
    }
    services.update_account(account, config={})
    account.refresh_from_db()
    assert account.config == {"api_key": SECRET}


def test_an_update_without_config_keeps_it(account: ChannelAccount) -> None:
    services.update_account(account, track_clicks=True)
    account.refresh_from_db()
    assert account.track_clicks is True
    assert account.config == CONFIG


def test_names_are_validated_by_the_service(workspace: Workspace) -> None:
    for name in ("", "two words", "x" * 101):
        with pytest.raises(services.AccountInvalid) as refused:
            services.create_account(
                workspace, name=name, channel="push", provider="sandbox", config={}
            )
        assert {error.field for error in refused.value.errors} == {"name"}
    assert not ChannelAccount.objects.exists()


def test_prepare_config_reports_every_error_located(chat_plugin: Registry) -> None:
    with pytest.raises(services.AccountInvalid) as refused:
        services.prepare_config(
            channel="chat", provider="chatops", config={"oauth": {"client_secret": 1}}
        )
    assert [(e.field, e.path) for e in refused.value.errors] == [
        ("config", "/api_key"),
        ("config", "/oauth/client_id"),
        ("config", "/oauth/client_secret"),
    ]
    assert str(refused.value.errors[0]) == "This field is required. (at /api_key)"


def test_sandbox_takes_an_empty_config_and_refuses_secrets_it_does_not_know(
    workspace: Workspace,
) -> None:
    for channel in ("sms", "push", "wechat", "email"):
        services.create_account(
            workspace, name=f"{channel}-main", channel=channel, provider="sandbox", config={}
        )
    with pytest.raises(services.AccountInvalid):
        services.create_account(
            workspace, name="x", channel="sms", provider="sandbox", config={"api_key": "k"}
        )
    assert services.account_channels(workspace) == {
        "sms-main": "sms",
        "push-main": "push",
        "wechat-main": "wechat",
        "email-main": "email",
    }


def test_the_blocked_provider_is_refused_for_new_accounts(workspace: Workspace) -> None:
    with only(PLUGINS_BLOCK=["builtin.sandbox"]), pytest.raises(services.AccountInvalid) as e:
        services.create_account(
            workspace, name="push-main", channel="push", provider="sandbox", config={}
        )
    assert e.value.errors[0].field == "provider"
    assert NESTED_SECRET not in str(e.value)
