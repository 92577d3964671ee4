"""Plugin discovery: built-ins, a third-party plugin, allow/block lists, conflicts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pluggy
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from channels_plugins.base import Channel, Provider
from channels_plugins.builtin.channels import EMAIL, PUSH, SMS, WECHAT
from channels_plugins.builtin.sandbox import SANDBOX
from channels_plugins.hookspecs import hookimpl
from channels_plugins.registry import get_registry, reset_registry
from channels_plugins.testing import (
    ChannelContract,
    ProviderContract,
    registered_plugin,
)
from tests.channels.plugin_fixtures import CHAT, ChatPlugin


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    reset_registry()
    yield
    reset_registry()


def test_builtins() -> None:
    registry = get_registry()
    assert set(registry.channels) == {"sms", "push", "wechat", "email"}
    for channel in registry.channels:
        provider = registry.provider(channel, "sandbox")
        assert provider is not None
        assert provider.plugin == "builtin.sandbox"


def test_a_third_party_plugin_joins_and_leaves() -> None:
    with registered_plugin(ChatPlugin(), name="acme-chat") as registry:
        assert registry.channels["chat"] is CHAT
        assert registry.provider("chat", "chatops") is not None
        assert registry.provider("sms", "chatops") is not None
        assert registry.provider("chat", "sandbox") is not None  # sandbox serves every channel
        info = {plugin.name: plugin for plugin in registry.plugins}["acme-chat"]
        assert info.version == "1.2.3"
        assert set(info.hooks) == {"touchflow_register_channels", "touchflow_register_providers"}
    assert "chat" not in get_registry().channels


def test_block_and_allow_lists() -> None:
    blocked = override_settings(TOUCHFLOW={"PLUGINS_BLOCK": ["acme-chat"]})
    with blocked, registered_plugin(ChatPlugin(), name="acme-chat") as registry:
        assert "chat" not in registry.channels
    with override_settings(TOUCHFLOW={"PLUGINS_ALLOW": ["builtin.channels"]}):
        reset_registry()
        registry = get_registry()
        assert set(registry.channels) == {"sms", "push", "wechat", "email"}
        assert registry.providers == {}


class MisspelledHook:
    @hookimpl
    def touchflow_register_chanels(self, register: Callable[[Channel], None]) -> None:
        """A typo: no such hook."""


def test_a_misspelled_hook_fails_loudly() -> None:
    with (
        pytest.raises(pluggy.PluginValidationError),
        registered_plugin(MisspelledHook(), name="typo"),
    ):
        pass


class DuplicateChannel:
    @hookimpl
    def touchflow_register_channels(self, register: Callable[[Channel], None]) -> None:
        register(SMS)


class OrphanProvider:
    @hookimpl
    def touchflow_register_providers(self, register: Callable[[Provider], None]) -> None:
        register(Provider(name="ghost", title="Ghost", channels=("fax",), config_schema={}))


class DuplicateProvider:
    @hookimpl
    def touchflow_register_providers(self, register: Callable[[Provider], None]) -> None:
        register(SANDBOX)


@pytest.mark.parametrize(
    ("plugin", "check_id"),
    [
        (DuplicateChannel(), "touchflow.E001"),
        (OrphanProvider(), "touchflow.E002"),
        (DuplicateProvider(), "touchflow.E003"),
    ],
)
def test_conflicts_are_system_check_errors(plugin: object, check_id: str) -> None:
    with (
        registered_plugin(plugin, name="conflicting"),
        pytest.raises(SystemCheckError, match=check_id.replace(".", r"\.")),
    ):
        call_command("check")


def test_channels_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    with registered_plugin(ChatPlugin(), name="acme-chat"):
        call_command("touchflow_channels", "--json")
    report = json.loads(capsys.readouterr().out)
    chat = next(c for c in report["channels"] if c["name"] == "chat")
    assert chat["title"] == "Team chat"
    assert {"name": "chatops", "plugin": "acme-chat"} in chat["providers"]
    plugins = {p["name"]: p for p in report["plugins"]}
    assert plugins["acme-chat"]["version"] == "1.2.3"
    assert plugins["builtin.channels"]["hooks"] == ["touchflow_register_channels"]


def test_channels_command_text(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("touchflow_channels")
    out = capsys.readouterr().out
    for name in ("sms", "push", "wechat", "email"):
        assert f"{name} " in out


class TestPush(ChannelContract):
    channel = PUSH


class TestSms(ChannelContract):
    channel = SMS


class TestEmail(ChannelContract):
    channel = EMAIL


class TestWechat(ChannelContract):
    channel = WECHAT


class TestChat(ChannelContract):
    channel = CHAT


class TestSandbox(ProviderContract):
    provider = SANDBOX
