"""The example third-party plugin, installed with pip: found, contract-clean, and delivering.

A journey's send node on the plugin's `chatops` channel goes through the engine and dispatch
to the plugin's provider, which POSTs to a real HTTP server on loopback; the address comes
from the plugin's address hook (the contact's `chatops_user` attribute).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from channels_plugins.base import Failed, OutboundMessage, Sent
from channels_plugins.models import Message, MessageStatus
from channels_plugins.registry import get_registry
from channels_plugins.services import create_account
from channels_plugins.testing import ChannelContract, ProviderContract
from core.models import Workspace
from core.services.contacts import upsert_contact
from journeys.engine.enrollment import enroll
from journeys.engine.tick import tick
from journeys.services import Publisher, create_journey, publish_journey
from tests.journeys.builders import JourneyBuilder
from tests.support.http import RecordingServer, recording_server

NOW = datetime(2026, 11, 4, 6, 0, tzinfo=UTC)
TOKEN = "chatops-bearer-secret"


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with recording_server() as running:
        yield running


def config(server: RecordingServer) -> dict[str, Any]:
    return {"url": f"{server.url}/hooks/touchflow", "token": TOKEN}


def test_the_entry_point_registers_channel_provider_and_hooks(chatops: ModuleType) -> None:
    registry = get_registry()
    assert registry.channel("chatops") is chatops.CHATOPS
    provider = registry.provider("chatops", "chatops_webhook")
    assert provider is not None
    assert provider.plugin == "chatops"
    info = {plugin.name: plugin for plugin in registry.plugins}["chatops"]
    assert (info.version, info.hooks) == (
        "0.1.0",
        (
            "touchflow_register_channels",
            "touchflow_register_providers",
            "touchflow_resolve_address",
        ),
    )
    assert registry.problems == []
    assert provider.secret_fields() == {"token"}


def test_it_comes_from_the_entry_point(chatops: ModuleType, settings: Settings) -> None:
    assert get_registry().channel("chatops") is not None
    settings.TOUCHFLOW = {**settings.TOUCHFLOW, "LOAD_ENTRY_POINTS": False}
    assert get_registry().channel("chatops") is None


class TestChatopsChannel(ChannelContract):
    @pytest.fixture(autouse=True)
    def _installed(self, chatops: ModuleType) -> None:
        type(self).channel = chatops.CHATOPS


class TestChatopsProvider(ProviderContract):
    example_config = {"url": "https://chat.example.com/hooks/touchflow", "token": "t"}

    @pytest.fixture(autouse=True)
    def _installed(self, chatops: ModuleType) -> None:
        type(self).provider = chatops.CHATOPS_WEBHOOK


@pytest.mark.django_db
def test_a_journey_delivers_through_the_plugin_to_the_webhook(
    chatops: ModuleType, workspace: Workspace, server: RecordingServer
) -> None:
    create_account(
        workspace,
        name="team-chat",
        channel="chatops",
        provider="chatops_webhook",
        config=config(server),
    )
    send = {
        "channel": "chatops",
        "account": "team-chat",
        "params": {"text": "Hi {{ contact.attributes.name }}"},
    }
    document = JourneyBuilder().entry().node("chat", "send", send).exit()
    journey = create_journey(
        workspace, name="chatops", definition=document.chain("start", "chat", "done").build()
    )
    publish_journey(journey, publisher=Publisher())
    journey.refresh_from_db()
    ada = upsert_contact(
        workspace,
        {"external_id": "ada", "attributes": {"chatops_user": "U042", "name": "Ada"}},
    )[0]
    enroll(journey, ada, NOW)
    report = tick(NOW)
    message = Message.objects.get()
    assert (message.status, report.sent) == (MessageStatus.SENT, 1)
    assert message.provider_message_id == message.idempotency_key  # the receiver sent no id
    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/hooks/touchflow")
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Idempotency-Key"] == message.idempotency_key
    assert request.json() == {"user": "U042", "text": "Hi Ada", "message_id": message.pk}


def test_http_answers_map_to_normalized_outcomes(
    chatops: ModuleType, server: RecordingServer
) -> None:
    server.reply(200, 429, 503, 401, 404, 422, headers={"Retry-After": "7"})
    batch = [OutboundMessage(i, f"U{i}", {"text": "t"}, f"key-{i}") for i in range(6)]
    outcomes = chatops.CHATOPS_WEBHOOK.send(config(server), batch)
    assert outcomes == [
        Sent("key-0"),
        Failed("rate_limited", "HTTP 429", 7.0),
        Failed("transient", "HTTP 503"),
        Failed("auth", "HTTP 401"),
        Failed("invalid_recipient", "HTTP 404"),
        Failed("content_rejected", "HTTP 422"),
    ]


def test_an_unreachable_webhook_is_a_transient_failure(chatops: ModuleType) -> None:
    with recording_server() as gone:
        url = gone.url
    [outcome] = chatops.CHATOPS_WEBHOOK.send(
        {"url": url, "token": "t"}, [OutboundMessage(1, "U1", {"text": "t"}, "k")]
    )
    assert isinstance(outcome, Failed)
    assert outcome.kind == "transient"


@pytest.mark.django_db
def test_contacts_without_a_chat_user_have_no_chatops_address(
    chatops: ModuleType, workspace: Workspace
) -> None:
    person = upsert_contact(workspace, {"external_id": "nobody", "phone": "+8613800000003"})[0]
    assert chatops.touchflow_resolve_address(contact=person, channel="chatops") is None
    assert chatops.touchflow_resolve_address(contact=person, channel="sms") is None
    registry = get_registry()
    assert registry.resolve_address(contact=person, channel="chatops", provider="x") is None
