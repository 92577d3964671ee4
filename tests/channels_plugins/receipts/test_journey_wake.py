"""Receipts reach journeys: a `wait_event` for the send node's `message.delivered` is woken by
a receipt posted to the account's URL, through the test client and over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine
from django.test import Client

from channels_plugins.models import ChannelAccount, Message, MessageStatus
from channels_plugins.receipt_hook import receipt_url
from channels_plugins.services import create_account
from channels_plugins.signed_receipts import signed_headers
from core.models import Contact, Workspace
from core.services.contacts import upsert_contact
from journeys.engine.enrollment import enroll
from journeys.engine.tick import tick
from journeys.models import Enrollment, EnrollmentStatus, Journey
from tests.channels_plugins.receipts.helpers import SECRET, post_receipts
from tests.engine.factories import published_journey
from tests.journeys.builders import JourneyBuilder

NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)  # midday in Shanghai


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def setup_journey(workspace: Workspace) -> tuple[ChannelAccount, Journey, Contact]:
    account = create_account(
        workspace,
        name="push-main",
        channel="push",
        provider="sandbox",
        config={"receipt_secret": SECRET},
    )
    document = (
        JourneyBuilder()
        .entry()
        .node(
            "push1",
            "send",
            {"channel": "push", "account": "push-main", "params": {"title": "Hi", "body": "Hello"}},
        )
        .node(
            "wait",
            "wait_event",
            {"event": "message.delivered", "where": {"node": "push1"}, "timeout": "PT2H"},
        )
        .node("delivered", "update_contact", {"add_tags": ["delivered"]})
        .node("late", "update_contact", {"add_tags": ["not_delivered"]})
        .exit()
        .chain("start", "push1", "wait")
        .edge("wait", "delivered", "received")
        .edge("wait", "late", "timeout")
        .chain("delivered", "done")
        .chain("late", "done")
        .build()
    )
    journey = published_journey(workspace, document)
    contact = upsert_contact(
        workspace,
        {
            "external_id": "ann",
            "timezone": "Asia/Shanghai",
            "push_tokens": [{"provider": "sandbox", "token": "tok-ann"}],
        },
    )[0]
    enroll(journey, contact, NOW)
    tick(NOW)
    return account, journey, contact


def delivered_body(message: Message) -> dict[str, Any]:
    return {
        "receipts": [
            {
                "id": f"dlv-{message.pk}",
                "event": "message.delivered",
                "provider_message_id": message.provider_message_id,
            }
        ]
    }


def assert_woken_and_completed(contact: Contact) -> None:
    tick(NOW + timedelta(minutes=1))
    enrollment = Enrollment.objects.get()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    contact.refresh_from_db()
    assert contact.tags == ["delivered"]
    assert Message.objects.get().status == MessageStatus.DELIVERED


@pytest.mark.django_db
def test_a_receipt_wakes_the_wait_event_on_its_send_node(
    client: Client, workspace: Workspace, frozen: Any
) -> None:
    account, _, contact = setup_journey(workspace)
    message = Message.objects.get()
    assert message.status == MessageStatus.SENT
    assert Enrollment.objects.get().status == EnrollmentStatus.WAITING
    response = post_receipts(client, account, delivered_body(message))
    assert response.json() == {"accepted": 1, "duplicates": 0, "unknown": 0}
    assert Enrollment.objects.get().status == EnrollmentStatus.ACTIVE
    assert_woken_and_completed(contact)


@pytest.mark.django_db(transaction=True)
def test_receipts_posted_over_http_to_a_live_server(
    live_server: Any, workspace: Workspace, frozen: Any, settings: Any
) -> None:
    settings.TOUCHFLOW = {**settings.TOUCHFLOW, "PUBLIC_URL": live_server.url}
    account, _, contact = setup_journey(workspace)
    message = Message.objects.get()
    url = receipt_url(account)
    assert url.startswith(live_server.url + "/hooks/")
    body = httpx.Request("POST", url, json=delivered_body(message)).read()
    with httpx.Client(timeout=10) as http:
        first = http.post(url, content=body, headers=signed_headers(SECRET, body, NOW))
        replay = http.post(url, content=body, headers=signed_headers(SECRET, body, NOW))
        stale = http.post(
            url, content=body, headers=signed_headers(SECRET, body, NOW - timedelta(minutes=10))
        )
        wrong = http.post(url.replace(account.hook_token, "x" * 43), content=body)
    assert (first.status_code, first.json()) == (
        200,
        {"accepted": 1, "duplicates": 0, "unknown": 0},
    )
    assert replay.json() == {"accepted": 0, "duplicates": 1, "unknown": 0}
    assert (stale.status_code, stale.json()["errors"][0]["code"]) == (401, "timestamp_stale")
    assert wrong.status_code == 404
    assert_woken_and_completed(contact)
