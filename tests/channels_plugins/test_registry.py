"""Plugin discovery and the registry: built-ins, a third-party plugin, allow and block lists,
misspelled hooks and conflicting registrations."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pluggy
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from channels_plugins import manager
from channels_plugins.base import Channel, Provider
from channels_plugins.builtin.channels import EMAIL, PUSH, SMS, WECHAT
from channels_plugins.builtin.sandbox import SANDBOX
from channels_plugins.checks import check_plugins
from channels_plugins.hookspecs import hookimpl
from channels_plugins.registry import Registry, get_registry, reset_registry
from channels_plugins.testing import ChannelContract, ProviderContract, registered_plugin
from tests.channels_plugins.plugin import CHAT, CHAT_PLUGIN_HOOKS, CHATOPS, ChatPlugin
from tests.support.system import REPO_ROOT, django_process_env

BUILTIN_CHANNELS = {"sms", "push", "wechat", "email"}


def only(**touchflow: object) -> override_settings:
    """Settings naming the plugins to load, entry points off unless asked for."""
    return override_settings(TOUCHFLOW={"LOAD_ENTRY_POINTS": False, **touchflow})


def test_builtin_channels_each_served_by_the_sandbox() -> None:
    registry = get_registry()
    assert set(registry.channels) == BUILTIN_CHANNELS
    assert registry.channels["push"] is PUSH
    assert registry.channel("fax") is None
    for channel in BUILTIN_CHANNELS:
        expected = {
            "email": ["sandbox", "smtp"],
            "push": ["fcm", "huawei", "sandbox"],
            "sms": ["aliyun", "sandbox", "tencent", "twilio"],
            "wechat": ["sandbox", "wechat_oa"],
        }.get(channel, ["sandbox"])
        assert [p.name for p in registry.providers_for(channel)] == expected
        sandbox = registry.provider(channel, "sandbox")
        assert sandbox is not None
        assert sandbox.plugin == "builtin.sandbox"
    assert registry.provider("sms", "nobody") is None
    assert registry.provider("fax", "sandbox") is None
    assert registry.params_schemas()["sms"] is SMS.params_schema
    assert registry.problems == []


def test_builtins_are_ordinary_plugins_registered_first(chat_plugin: Registry) -> None:
    plugins = {info.name: info for info in chat_plugin.plugins}
    builtins = [name for name, _ in manager.BUILTIN_PLUGINS]
    assert builtins[:3] == ["builtin.channels", "builtin.sandbox", "builtin.smtp"]
    assert list(plugins) == [*builtins, "acme-chat"]
    assert plugins["builtin.channels"].hooks == ("touchflow_register_channels",)
    assert plugins["builtin.sandbox"].hooks == ("touchflow_register_providers",)
    assert plugins["builtin.channels"].version == manager._touchflow_version()


def test_a_third_party_plugin_joins_the_registry(chat_plugin: Registry) -> None:
    assert chat_plugin.channels["chat"] is CHAT
    chatops = chat_plugin.provider("chat", "chatops")
    assert chatops == CHATOPS
    assert chatops is not None
    assert chatops.plugin == "acme-chat"
    assert chat_plugin.provider("sms", "chatops") is not None  # a provider for a built-in
    assert chat_plugin.provider("push", "chatops") is None
    assert chat_plugin.provider("chat", "sandbox") is not None  # sandbox serves every channel
    info = {plugin.name: plugin for plugin in chat_plugin.plugins}["acme-chat"]
    assert info.as_dict() == {
        "name": "acme-chat",
        "version": "1.2.3",
        "hooks": CHAT_PLUGIN_HOOKS,
    }
    assert CHATOPS.plugin == ""  # the plugin's own object is left alone


def test_the_plugin_is_gone_after_the_block() -> None:
    with registered_plugin(ChatPlugin(), name="acme-chat"):
        assert "chat" in get_registry().channels
    assert "chat" not in get_registry().channels


def test_the_registry_is_built_once_and_rebuilt_after_a_reset() -> None:
    first = get_registry()
    assert get_registry() is first
    reset_registry()
    assert get_registry() is not first


def test_nothing_is_built_at_import_or_start_up() -> None:
    code = (
        "import django; django.setup()\n"
        "import channels_plugins.admin, channels_plugins.api.urls, channels_plugins.services\n"
        "from channels_plugins import manager, registry\n"
        "assert manager._loaded is None and registry._built is None\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=django_process_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_block_list_removes_a_plugin() -> None:
    with only(PLUGINS_BLOCK=["acme-chat"]), registered_plugin(ChatPlugin(), name="acme-chat") as r:
        assert "chat" not in r.channels
        assert r.provider("sms", "chatops") is None
        assert "acme-chat" not in [info.name for info in r.plugins]


def test_blocking_a_builtin_and_allowing_only_some() -> None:
    providers = [name for name, _ in manager.BUILTIN_PLUGINS if name != "builtin.channels"]
    with only(PLUGINS_BLOCK=providers):
        registry = get_registry()  # changing the setting rebuilt the registry by itself
        assert set(registry.channels) == BUILTIN_CHANNELS
        assert registry.providers == {}
    with only(PLUGINS_ALLOW=["acme-chat"]), registered_plugin(ChatPlugin(), name="acme-chat") as r:
        assert set(r.channels) == {"chat"}
        assert [p.name for p in r.providers_for("chat")] == ["chatops"]
        assert [p.check_id for p in r.problems] == ["touchflow.E002"]  # chatops also claims sms
    assert get_registry().provider("sms", "sandbox") is not None


class MisspelledHook:
    @hookimpl
    def touchflow_register_chanels(self, register: Callable[[Channel], None]) -> None:
        """A typo: no such hook."""


class UndecoratedMisspelledHook:
    def touchflow_register_provider(self, register: Callable[[Provider], None]) -> None:
        """A typo without the decorator must not be silently ignored either."""


class WrongArgument:
    @hookimpl
    def touchflow_register_channels(self, registrar: Callable[[Channel], None]) -> None:
        """The hook has no `registrar` argument."""


@pytest.mark.parametrize("plugin", [MisspelledHook(), UndecoratedMisspelledHook(), WrongArgument()])
def test_check_pending_refuses_a_misspelled_hook(plugin: object) -> None:
    with pytest.raises(pluggy.PluginValidationError), registered_plugin(plugin, name="typo"):
        pass
    assert get_registry().problems == []  # gone with the block


def test_a_misspelled_hook_is_system_check_e004() -> None:
    with manager.temporary_plugin(MisspelledHook(), name="typo"):
        [error] = check_plugins(None)
        assert error.id == "touchflow.E004"
        assert "touchflow_register_chanels" in error.msg
        with pytest.raises(SystemCheckError, match=r"touchflow\.E004"):
            call_command("check")


class Undecorated:
    """A correctly named hook works without the decorator."""

    def touchflow_register_channels(self, register: Callable[[Channel], None]) -> None:
        register(CHAT)


def test_an_undecorated_hook_with_the_right_name_is_called() -> None:
    with registered_plugin(Undecorated(), name="plain") as registry:
        assert "chat" in registry.channels


class DuplicateChannel:
    @hookimpl
    def touchflow_register_channels(self, register: Callable[[Channel], None]) -> None:
        register(Channel(name="sms", title="Other SMS", description="", params_schema={}))


class OrphanProvider:
    @hookimpl
    def touchflow_register_providers(self, register: Callable[[Provider], None]) -> None:
        register(Provider(name="ghost", title="Ghost", channels=("fax",), config_schema={}))


class DuplicateProvider:
    @hookimpl
    def touchflow_register_providers(self, register: Callable[[Provider], None]) -> None:
        register(SANDBOX)


class NotAChannel:
    @hookimpl
    def touchflow_register_channels(self, register: Callable[[object], None]) -> None:
        register(Channel)  # the class, not an instance


class BadName:
    @hookimpl
    def touchflow_register_channels(self, register: Callable[[Channel], None]) -> None:
        register(Channel(name="Team Chat", title="t", description="", params_schema={}))


class BadSchema:
    @hookimpl
    def touchflow_register_providers(self, register: Callable[[Provider], None]) -> None:
        register(Provider(name="broken", title="b", channels=("sms",), config_schema={"type": 5}))


@pytest.mark.parametrize(
    ("plugin", "check_id"),
    [
        (DuplicateChannel(), "touchflow.E001"),
        (OrphanProvider(), "touchflow.E002"),
        (DuplicateProvider(), "touchflow.E003"),
        (NotAChannel(), "touchflow.E005"),
        (BadName(), "touchflow.E005"),
        (BadSchema(), "touchflow.E005"),
    ],
)
def test_registration_problems_are_system_check_errors(plugin: object, check_id: str) -> None:
    with registered_plugin(plugin, name="conflicting") as registry:
        assert {problem.check_id for problem in registry.problems} == {check_id}
        assert "conflicting" in registry.problems[0].message
        with pytest.raises(SystemCheckError, match=check_id.replace(".", r"\.")):
            call_command("check")
        # The first registration wins; the faulty one is left out.
        assert registry.channels["sms"] is SMS
        sandbox = registry.provider("sms", "sandbox")
        assert sandbox is not None
        assert sandbox.plugin == "builtin.sandbox"
        assert registry.provider("sms", "broken") is None
    assert SANDBOX.plugin == ""


def test_schemas_handed_out_are_copies(chat_plugin: Registry) -> None:
    described = chat_plugin.channels["chat"].as_dict()
    described["params_schema"]["properties"]["text"]["title"] = "changed"
    provider = chat_plugin.provider("chat", "chatops")
    assert provider is not None
    provider.as_dict()["config_schema"]["required"].append("sender")
    assert CHAT.params_schema["properties"]["text"]["title"] == "Text"
    assert CHATOPS.config_schema["required"] == ["api_key"]


def test_secret_paths_follow_nested_objects() -> None:
    assert CHATOPS.secret_paths() == (("api_key",), ("oauth", "client_secret"))
    assert CHATOPS.secret_fields() == frozenset({"api_key"})
    assert SANDBOX.secret_paths() == (("receipt_secret",),)


ENTRY_POINT_PLUGIN = """
from channels_plugins.base import Channel, Provider
from channels_plugins.hookspecs import hookimpl

@hookimpl
def touchflow_register_channels(register):
    register(Channel(name="pager", title="Pager", description="Beeps.",
                     params_schema={"type": "object", "additionalProperties": False,
                                    "properties": {}}))

@hookimpl
def touchflow_register_providers(register):
    register(Provider(name="beeper", title="Beeper", channels=("pager",),
                      config_schema={"type": "object"}))
"""


@pytest.fixture
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A distribution `touchflow-pager` 0.7.0 with a `touchflow` entry point named `pager`."""
    (tmp_path / "touchflow_pager_test.py").write_text(ENTRY_POINT_PLUGIN)
    dist = tmp_path / "touchflow_pager-0.7.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: touchflow-pager\nVersion: 0.7.0\n")
    (dist / "entry_points.txt").write_text("[touchflow]\npager = touchflow_pager_test\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield
    sys.modules.pop("touchflow_pager_test", None)


def test_entry_point_plugins_load_after_the_builtins(installed_plugin: None) -> None:
    with only(LOAD_ENTRY_POINTS=True):
        registry = get_registry()
        assert "pager" in registry.channels
        beeper = registry.provider("pager", "beeper")
        assert beeper is not None
        assert beeper.plugin == "pager"
        names = [info.name for info in registry.plugins]
        assert names.index("pager") > names.index("builtin.sandbox")
        assert {info.name: info.version for info in registry.plugins}["pager"] == "0.7.0"
    with only(LOAD_ENTRY_POINTS=True, PLUGINS_BLOCK=["pager"]):
        assert "pager" not in get_registry().channels
    with only():
        assert "pager" not in get_registry().channels


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


class TestChatops(ProviderContract):
    provider = CHATOPS
    example_config = {"api_key": "k", "oauth": {"client_id": "c", "client_secret": "s"}}
