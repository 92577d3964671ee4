"""Scenario 4 through the API and tick: push, then SMS if not opened within 2 h of sending."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from channels_plugins.models import Message, MessageStatus
from core.models import Workspace
from journeys.demo import DEMO_SLUG, load_demo
from journeys.engine.tick import tick
from journeys.models import Enrollment, EnrollmentStatus
from tests.conftest import ClientFactory
from tests.support.http import recording_server
from tests.support.system import shared_examples_dir

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, outside quiet hours


@pytest.fixture
def api(make_client: ClientFactory) -> APIClient:
    load_demo()
    client = make_client(Workspace.objects.get(slug=DEMO_SLUG))
    document = json.loads((shared_examples_dir() / "fallback_chain.json").read_text())
    journey_id = client.post(
        "/api/v1/journeys/", {"name": "fallback", "definition": document}, format="json"
    ).json()["id"]
    assert (
        client.post(f"/api/v1/journeys/{journey_id}/publish/", {}, format="json").status_code == 201
    )
    for external_id in ("opens", "ignores"):
        client.post(
            "/api/v1/contacts/",
            {
                "external_id": external_id,
                "timezone": "Asia/Shanghai",
                "phone": "+8613800000002",
                "push_tokens": [{"provider": "sandbox", "token": f"t-{external_id}"}],
            },
            format="json",
        )
    return client


def track(api: APIClient, at: datetime, **body: object) -> None:
    with time_machine.travel(at, tick=False):
        assert api.post("/api/v1/track/", body, format="json").status_code == 200


def test_opened_push_ends_the_chain_and_silence_brings_the_sms(api: APIClient) -> None:
    for external_id in ("opens", "ignores"):
        track(api, NOW, userId=external_id, event="promo_started")
    tick(NOW)
    pushes = {m.contact.external_id: m for m in Message.objects.select_related("contact")}
    assert {m.status for m in pushes.values()} == {MessageStatus.SENT}

    opened_at = NOW + timedelta(minutes=30)
    track(
        api,
        opened_at,
        userId="opens",
        event="message.opened",
        properties={"message_id": pushes["opens"].pk},
    )
    assert Message.objects.get(pk=pushes["opens"].pk).status == MessageStatus.OPENED
    tick(opened_at)
    assert Enrollment.objects.get(contact__external_id="opens").status == (
        EnrollmentStatus.COMPLETED
    )

    tick(NOW + timedelta(hours=2) - timedelta(seconds=1))
    assert Message.objects.filter(contact__external_id="ignores").count() == 1
    tick(NOW + timedelta(hours=2))
    sms = Message.objects.get(contact__external_id="ignores", channel="sms")
    assert sms.node_id == "sms1"
    assert sms.status == MessageStatus.SENT
    assert not Message.objects.filter(contact__external_id="opens", channel="sms").exists()


def test_an_open_of_another_message_does_not_count(api: APIClient) -> None:
    track(api, NOW, userId="opens", event="promo_started")
    tick(NOW)
    track(
        api,
        NOW + timedelta(minutes=5),
        userId="opens",
        event="message.opened",
        properties={"message_id": 999_999},
    )
    tick(NOW + timedelta(hours=2))
    assert Message.objects.filter(contact__external_id="opens", channel="sms").exists()


def test_a_click_without_payment_brings_the_coupon_webhook_and_payment_does_not(
    api: APIClient,
) -> None:
    """The example's webhook URL is fixed (127.0.0.1:8765), so the receiver listens there."""
    with recording_server(port=8765) as coupons:
        for external_id in ("opens", "ignores"):  # here both click the SMS; one then pays
            track(api, NOW, userId=external_id, event="promo_started")
        tick(NOW)
        sms_at = NOW + timedelta(hours=2)
        tick(sms_at)
        for external_id in ("opens", "ignores"):
            sms = Message.objects.get(contact__external_id=external_id, channel="sms")
            clicked_at = sms_at + timedelta(hours=1)
            track(
                api,
                clicked_at,
                userId=external_id,
                event="message.clicked",
                properties={"message_id": sms.pk},
            )
            tick(clicked_at)
        paid_at = sms_at + timedelta(hours=5)
        track(api, paid_at, userId="opens", event="order_paid")
        tick(paid_at)
        tick(sms_at + timedelta(hours=1, days=1))
        [call] = coupons.requests
        assert (call.path, call.json()) == (
            "/inapp/coupon",
            {"user": "ignores", "coupon": "MEMBER20"},
        )
        statuses = dict(Enrollment.objects.values_list("contact__external_id", "status"))
        assert statuses == {"opens": "completed", "ignores": "completed"}
        hook = Message.objects.get(channel="webhook")
        assert (hook.contact.external_id, hook.node_id, hook.status) == (
            "ignores",
            "coupon",
            "sent",
        )


def test_an_sms_within_a_day_of_another_journeys_sms_is_skipped_with_its_reason(
    api: APIClient,
) -> None:
    """The chain's cap (1 per day on push and sms) counts messages from every journey."""
    demo = Workspace.objects.get(slug=DEMO_SLUG)
    ignores = demo.contacts.get(external_id="ignores")
    earlier = NOW - timedelta(hours=20)
    other = Message.objects.create(
        workspace=demo,
        contact=ignores,
        channel="sms",
        category="marketing",
        journey_id=None,
        content={"body": "from a campaign sent yesterday"},
        idempotency_key="elsewhere-1",
        status=MessageStatus.SENT,
        created_at=earlier,
        sent_at=earlier,
    )
    track(api, NOW, userId="ignores", event="promo_started")
    tick(NOW)
    tick(NOW + timedelta(hours=2))
    sms = Message.objects.exclude(pk=other.pk).get(contact=ignores, channel="sms")
    assert sms.status == MessageStatus.SKIPPED
    assert sms.reason == "frequency_capped: 1 per P1D on push, sms"
    enrollment = Enrollment.objects.get(contact=ignores)
    assert (enrollment.node_id, enrollment.status) == ("wait_click", EnrollmentStatus.WAITING)
