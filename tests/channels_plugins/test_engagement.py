"""One path for what happens to a message after it left: events with the message's journey and
node, and statuses that only move forward."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from channels_plugins.engagement import record_message_event
from channels_plugins.models import Message, MessageStatus
from core.models import Event, Workspace
from tests.support.people import person

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)


@pytest.fixture
def message(demo: Workspace) -> Message:
    contact = person(demo, "ann", email="ann@example.com")
    return Message.objects.create(
        workspace=demo,
        contact=contact,
        channel="email",
        journey_id=7,
        node_id="mail1",
        idempotency_key="k1",
        status=MessageStatus.SENT,
        created_at=NOW,
    )


def status_of(message: Message) -> str:
    return Message.objects.get(pk=message.pk).status


def test_an_event_carries_the_message_journey_and_node(message: Message) -> None:
    recorded = record_message_event(message, "message.delivered", properties={"smtp": "250"})

    event = Event.objects.get(pk=recorded.event.pk)
    assert event.name == "message.delivered"
    assert event.contact_id == message.contact_id
    assert event.properties == {
        "smtp": "250",
        "message_id": message.pk,
        "journey": 7,
        "node": "mail1",
        "channel": "email",
    }
    assert status_of(message) == MessageStatus.DELIVERED


@pytest.mark.parametrize(
    ("reports", "final"),
    [
        (["message.opened", "message.delivered"], MessageStatus.OPENED),
        (["message.clicked", "message.opened"], MessageStatus.CLICKED),
        (["message.delivered", "message.bounced"], MessageStatus.BOUNCED),
        (["message.opened", "message.bounced"], MessageStatus.OPENED),
        (["message.bounced", "message.delivered"], MessageStatus.BOUNCED),
        (["message.failed", "message.clicked"], MessageStatus.FAILED),
        (["message.unsubscribed"], MessageStatus.SENT),
    ],
)
def test_statuses_only_move_forward(message: Message, reports: list[str], final: str) -> None:
    for name in reports:
        record_message_event(message, name)

    assert status_of(message) == final


def test_a_repeated_report_is_one_event(message: Message) -> None:
    first = record_message_event(message, "message.clicked", source_id="click:k1:0")
    again = record_message_event(message, "message.clicked", source_id="click:k1:0")

    assert again.duplicate
    assert again.event.pk == first.event.pk
    assert Event.objects.filter(name="message.clicked").count() == 1


def test_only_message_events_are_accepted(message: Message) -> None:
    with pytest.raises(ValueError, match="not a message event"):
        record_message_event(message, "order_paid")
