"""The per-message hooks, through dispatch: addresses, the send-policy veto, after-send.

Messages are outbox rows dispatched for real (SQLite, the sandbox provider); the plugins are
registered for the test only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks

from channels_plugins.base import Failed, Sent
from channels_plugins.checks import check_plugins
from channels_plugins.dispatch import dispatch_due
from channels_plugins.hookspecs import hookimpl
from channels_plugins.manager import temporary_plugin
from channels_plugins.models import ChannelAccount, Message
from channels_plugins.registry import Registry, get_registry
from channels_plugins.services import create_account
from channels_plugins.testing import registered_plugin
from core.models import Contact, Workspace
from tests.channels_plugins.plugin import ChatPlugin

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
_keys = count()


@pytest.fixture
def chat(workspace: Workspace) -> Iterator[tuple[ChatPlugin, ChannelAccount]]:
    plugin = ChatPlugin()
    with registered_plugin(plugin, name="acme-chat"):
        account = create_account(
            workspace, name="chat-sandbox", channel="chat", provider="sandbox", config={}
        )
        yield plugin, account


def contact(workspace: Workspace, external_id: str, **fields: Any) -> Contact:
    return Contact.objects.create(
        workspace=workspace, external_id=external_id, created_at=NOW, updated_at=NOW, **fields
    )


def queue(account: ChannelAccount, to: Contact, text: str = "hi") -> Message:
    return Message.objects.create(
        workspace=account.workspace,
        contact=to,
        channel=account.channel,
        account=account,
        content={"text": text},
        idempotency_key=f"hooks-{next(_keys)}",
        created_at=NOW,
    )


def statuses() -> dict[str, tuple[str, str]]:
    return {
        m.contact.external_id: (m.status, m.reason)
        for m in Message.objects.select_related("contact")
    }


def test_a_plugin_supplies_the_address_and_none_falls_back(
    chat: tuple[ChatPlugin, ChannelAccount], workspace: Workspace
) -> None:
    _, account = chat
    queue(account, contact(workspace, "handled", attributes={"chat_handle": "@ada"}))
    queue(account, contact(workspace, "unknown", attributes={}))
    report = dispatch_due(NOW)
    assert (report.sent, report.skipped) == (1, 1)
    assert statuses() == {
        "handled": ("sent", ""),
        "unknown": ("skipped", "no_address"),  # not the plugin's, and no built-in address
    }
    registry = get_registry()
    ada = Contact.objects.get(external_id="handled")
    assert registry.resolve_address(contact=ada, channel="chat", provider="sandbox") == "@ada"
    assert registry.resolve_address(contact=ada, channel="sms", provider="sandbox") is None


def test_the_policy_veto_skips_with_its_reason_before_the_provider(
    chat: tuple[ChatPlugin, ChannelAccount],
    workspace: Workspace,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    plugin, account = chat
    attributes = {"chat_handle": "@x"}
    queue(account, contact(workspace, "muted", attributes=attributes, tags=["muted"]))
    queue(account, contact(workspace, "open", attributes=attributes, tags=["vip"]))
    with django_capture_on_commit_callbacks(execute=True):
        report = dispatch_due(NOW)
    assert (report.sent, report.skipped) == (1, 1)
    assert statuses() == {"muted": ("skipped", "muted"), "open": ("sent", "")}
    assert [status for _, status, _ in plugin.observed] == ["sent"]  # skips are not observed


class DoNotDisturb:
    """The kind of policy the hook is for, registered on its own."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, datetime]] = []

    @hookimpl
    def touchflow_send_policy(self, contact: Contact, now: datetime) -> str | None:
        self.asked.append((contact.external_id, now))
        return "do_not_disturb" if "do_not_disturb" in contact.tags else None


def test_a_do_not_disturb_plugin_vetoes_tagged_contacts_on_builtin_channels(
    workspace: Workspace,
) -> None:
    account = create_account(workspace, name="sms", channel="sms", provider="sandbox", config={})
    queue(account, contact(workspace, "dnd", phone="+8613800000001", tags=["do_not_disturb"]))
    queue(account, contact(workspace, "ok", phone="+8613800000002"))
    queue(account, contact(workspace, "nophone", tags=["do_not_disturb"]))
    policy = DoNotDisturb()
    with registered_plugin(policy, name="dnd"):
        report = dispatch_due(NOW)
    assert statuses() == {
        "dnd": ("skipped", "do_not_disturb"),
        "ok": ("sent", ""),
        "nophone": ("skipped", "no_address"),  # addresses first: no address, no policy asked
    }
    assert sorted(policy.asked) == [("dnd", NOW), ("ok", NOW)]
    assert report.skipped == 2


class BrokenPolicy:
    @hookimpl
    def touchflow_send_policy(self, message: Message) -> str | None:
        raise RuntimeError(f"consent service down for {message.contact_id}")


def test_a_policy_that_raises_fails_closed_and_the_batch_goes_on(
    chat: tuple[ChatPlugin, ChannelAccount],
    workspace: Workspace,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, account = chat
    first = contact(workspace, "a", attributes={"chat_handle": "@a"})
    queue(account, first)
    queue(account, contact(workspace, "b", attributes={"chat_handle": "@b"}))
    with registered_plugin(BrokenPolicy(), name="broken"), caplog.at_level(logging.ERROR):
        report = dispatch_due(NOW)
    assert (report.dispatched, report.skipped, report.sent) == (2, 2, 0)
    reasons = {reason for _, reason in statuses().values()}
    assert f"policy_error: RuntimeError: consent service down for {first.pk}" in reasons
    assert "touchflow_send_policy raised" in caplog.text


class BrokenResolver:
    @hookimpl(tryfirst=True)
    def touchflow_resolve_address(self, channel: str) -> str | None:
        raise KeyError(channel)


def test_a_resolver_that_raises_skips_the_message_with_the_error(
    chat: tuple[ChatPlugin, ChannelAccount], workspace: Workspace
) -> None:
    _, account = chat
    queue(account, contact(workspace, "a", attributes={"chat_handle": "@a"}))
    with registered_plugin(BrokenResolver(), name="broken"):
        report = dispatch_due(NOW)
    assert report.skipped == 1
    assert statuses() == {
        "a": ("skipped", "address_error: touchflow_resolve_address raised KeyError: 'chat'")
    }


class Observer:
    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.seen: list[tuple[int, str, object]] = []

    @hookimpl
    def touchflow_after_send(self, message: Message, outcome: Sent | Failed) -> None:
        if self.fail:
            raise ValueError("observer bug")
        self.seen.append((message.pk, message.status, outcome))


def test_after_send_sees_every_provider_answer_after_commit(
    chat: tuple[ChatPlugin, ChannelAccount],
    workspace: Workspace,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    plugin, sandbox = chat
    broken = create_account(
        workspace, name="chatops", channel="chat", provider="chatops", config={"api_key": "k"}
    )
    attributes = {"chat_handle": "@a"}
    sent = queue(sandbox, contact(workspace, "a", attributes=attributes))
    failed = queue(broken, contact(workspace, "b", attributes=attributes))
    observer = Observer()
    with registered_plugin(observer, name="observer"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            dispatch_due(NOW)
            assert observer.seen == []  # nothing before the batch commits
        assert len(callbacks) == 1
    assert sorted(observer.seen, key=lambda seen: seen[0]) == [
        (sent.pk, "sent", Sent(f"sandbox-{sent.pk}")),
        (failed.pk, "failed", Failed("config", "Provider 'chatops' does not send messages.")),
    ]
    assert len(plugin.observed) == 2


def test_an_observer_that_raises_does_not_stop_the_others(
    chat: tuple[ChatPlugin, ChannelAccount],
    workspace: Workspace,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    plugin, account = chat
    message = queue(account, contact(workspace, "a", attributes={"chat_handle": "@a"}))
    with (
        registered_plugin(Observer(fail=True), name="buggy"),
        caplog.at_level(logging.ERROR),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = dispatch_due(NOW)
    assert report.sent == 1
    assert [(pk, status) for pk, status, _ in plugin.observed] == [(message.pk, "sent")]
    assert "touchflow_after_send of plugin 'buggy' raised" in caplog.text


def test_an_empty_registry_calls_no_hooks(workspace: Workspace) -> None:
    empty = Registry()
    person = contact(workspace, "a")
    assert empty.resolve_address(contact=person, channel="sms", provider="sandbox") is None


class MisspelledObserver:
    def touchflow_after_sent(self, message: Message) -> None:
        """`sent` for `send`: refused rather than never called."""


class WrongPolicyArgument:
    @hookimpl
    def touchflow_send_policy(self, msg: Message) -> str | None:
        """The hook passes `message`, not `msg`."""
        return None


@pytest.mark.parametrize("plugin", [MisspelledObserver(), WrongPolicyArgument()])
def test_mistakes_in_the_new_hooks_are_system_check_e004(plugin: object) -> None:
    with temporary_plugin(plugin, name="typo"):
        [error] = check_plugins(None)
    assert error.id == "touchflow.E004"
    assert "typo" in error.msg
