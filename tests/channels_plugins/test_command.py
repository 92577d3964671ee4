"""`touchflow_channels [--json]` (JOURNEY_FORMAT.md §3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from channels_plugins.base import Channel
from channels_plugins.hookspecs import hookimpl
from channels_plugins.manager import temporary_plugin
from channels_plugins.registry import Registry
from channels_plugins.testing import registered_plugin
from tests.channels_plugins.plugin import CHAT_PLUGIN_HOOKS, ChatPlugin
from tests.channels_plugins.test_registry import DuplicateChannel, only


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("touchflow_channels", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_json_lists_channels_providers_and_plugins(chat_plugin: Registry) -> None:
    report = json.loads(run("--json")[0])
    assert set(report) == {"channels", "plugins", "problems"}
    channels = {c["name"]: c for c in report["channels"]}
    assert set(channels) == {"sms", "push", "wechat", "email", "chat"}
    assert channels["chat"] == {
        "name": "chat",
        "title": "Team chat",
        "providers": [
            {"name": "chatops", "plugin": "acme-chat"},
            {"name": "sandbox", "plugin": "builtin.sandbox"},
        ],
    }
    assert {"name": "chatops", "plugin": "acme-chat"} in channels["sms"]["providers"]
    plugins = {p["name"]: p for p in report["plugins"]}
    assert plugins["acme-chat"] == {
        "name": "acme-chat",
        "version": "1.2.3",
        "hooks": CHAT_PLUGIN_HOOKS,
    }
    assert plugins["builtin.channels"]["hooks"] == ["touchflow_register_channels"]
    assert report["problems"] == []


def test_a_blocked_plugin_is_not_listed() -> None:
    with only(PLUGINS_BLOCK=["acme-chat"]), registered_plugin(ChatPlugin(), name="acme-chat"):
        report = json.loads(run("--json")[0])
    assert "chat" not in [c["name"] for c in report["channels"]]
    assert "acme-chat" not in [p["name"] for p in report["plugins"]]


def test_text_output(chat_plugin: Registry) -> None:
    out, err = run()
    assert "chat       Team chat: chatops (acme-chat), sandbox (builtin.sandbox)" in out
    assert f"acme-chat 1.2.3: {', '.join(CHAT_PLUGIN_HOOKS)}" in out
    assert err == ""


def test_conflicts_are_listed_not_fatal() -> None:
    with registered_plugin(DuplicateChannel(), name="dupe"):
        report = json.loads(run("--json")[0])
        assert [p["id"] for p in report["problems"]] == ["touchflow.E001"]
        _, err = run()
    assert "touchflow.E001" in err


class Typo:
    @hookimpl
    def touchflow_register_chanels(self, register: Callable[[Channel], None]) -> None:
        """No such hook."""


def test_a_misspelled_hook_is_a_command_error() -> None:
    with temporary_plugin(Typo(), name="typo"), pytest.raises(CommandError, match="E004"):
        run("--json")
