"""Minimal dispatch through the sandbox, and touchflow_tick running journey time on demand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from channels_plugins.dispatch import SEND_LEASE, claim_messages, dispatch_due
from channels_plugins.models import Message, MessageStatus
from core.models import Workspace
from core.services.contacts import upsert_contact
from journeys.demo import DEMO_SLUG, load_demo
from journeys.engine.enrollment import enroll
from journeys.engine.walker import run_due
from journeys.models import Journey
from journeys.services import Publisher, create_journey, publish_journey
from tests.support.system import shared_examples_dir

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def routing() -> Journey:
    load_demo()
    workspace = Workspace.objects.get(slug=DEMO_SLUG)
    document = json.loads((shared_examples_dir() / "high_value_routing.json").read_text())
    journey = create_journey(workspace, name="routing", definition=document)
    publish_journey(journey, publisher=Publisher())
    journey.refresh_from_db()
    vip = upsert_contact(
        workspace,
        {"external_id": "vip", "phone": "+8613800000009", "attributes": {"monthly_spend": 9000}},
    )[0]
    quiet = upsert_contact(workspace, {"external_id": "no-token", "attributes": {}})[0]
    enroll(journey, vip, NOW)
    enroll(journey, quiet, NOW)
    return journey


def test_sandbox_sends_and_missing_addresses_are_skipped(routing: Journey) -> None:
    run_due(NOW)
    report = dispatch_due(NOW)
    assert (report.dispatched, report.sent, report.skipped, report.failed) == (2, 1, 1, 0)
    sent = Message.objects.get(contact__external_id="vip")
    assert sent.status == MessageStatus.SENT
    assert sent.provider_message_id == f"sandbox-{sent.pk}"
    assert sent.sent_at == NOW
    skipped = Message.objects.get(contact__external_id="no-token")
    assert (skipped.status, skipped.reason) == (MessageStatus.SKIPPED, "no_address")
    assert dispatch_due(NOW).dispatched == 0


def test_a_dispatcher_that_died_mid_send_is_taken_over_and_counted(routing: Journey) -> None:
    run_due(NOW)
    claimed = claim_messages(NOW, limit=10)  # ... and the process dies here
    assert Message.objects.filter(status=MessageStatus.SENDING).count() == len(claimed) == 2
    assert dispatch_due(NOW + SEND_LEASE - timedelta(seconds=1)).dispatched == 0  # still held
    report = dispatch_due(NOW + SEND_LEASE)
    assert report.dispatched == 2
    assert report.possible_duplicates == 2
    assert set(Message.objects.values_list("attempts", flat=True)) == {2}


def test_tick_runs_walker_and_dispatch_and_reports_json(
    routing: Journey, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("touchflow_tick", "--at", NOW.isoformat(), "--json")
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "at": NOW.isoformat(),
        "enrolled": 0,
        "advanced": 10,
        "messages_created": 2,
        "dispatched": 2,
        "sent": 1,
        "failed": 0,
        "skipped": 1,
    }


@pytest.mark.parametrize("at", ["yesterday", "2026-11-02T09:00"])
def test_tick_refuses_a_vague_moment(db: None, at: str) -> None:
    with pytest.raises(CommandError):
        call_command("touchflow_tick", "--at", at)
