"""An email send node delivered by `touchflow_tick` through the `smtp` provider to a real SMTP
server on loopback; a refused attempt is retried as the same email (same Message-ID)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from channels_plugins.models import Message, MessageStatus
from channels_plugins.services import create_account
from core.models import Contact, Workspace
from core.services.contacts import upsert_contact
from journeys.demo import DEMO_SLUG, load_demo
from journeys.engine.enrollment import enroll
from journeys.models import Enrollment, EnrollmentStatus, Journey
from journeys.services import Publisher, create_journey, publish_journey
from tests.journeys.builders import JourneyBuilder
from tests.support.smtp import SmtpServer, smtp_server

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)  # midday in Shanghai: no quiet hours in the way


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def journey(server: SmtpServer) -> Journey:
    load_demo()
    workspace = Workspace.objects.get(slug=DEMO_SLUG)
    create_account(
        workspace,
        name="email-smtp",
        channel="email",
        provider="smtp",
        config=server.config(from_name="Demo Shop"),
    )
    params = {
        "subject": "Welcome, {{ contact.first_name }}",
        "body_text": "Hello {{ contact.first_name }}, your code is WELCOME10.",
        "body_html": "<p>Hello <b>{{ contact.first_name }}</b>, your code is WELCOME10.</p>",
        "reply_to": "care@shop.example",
    }
    builder = (
        JourneyBuilder()
        .entry()
        .node("mail", "send", {"channel": "email", "account": "email-smtp", "params": params})
        .exit("done")
        .chain("start", "mail", "done")
    )
    journey = create_journey(workspace, name="welcome", definition=builder.build())
    publish_journey(journey, publisher=Publisher())
    journey.refresh_from_db()
    return journey


def enrolled(journey: Journey, first_name: str, email: str) -> Enrollment:
    contact: Contact = upsert_contact(
        journey.workspace,
        {
            "external_id": first_name.lower(),
            "timezone": "Asia/Shanghai",
            "first_name": first_name,
            "email": email,
        },
    )[0]
    enrollment = enroll(journey, contact, NOW)
    assert isinstance(enrollment, Enrollment)
    return enrollment


def test_touchflow_tick_delivers_the_rendered_email(journey: Journey, server: SmtpServer) -> None:
    enrollment = enrolled(journey, "Ana", "ana@example.com")
    call_command("touchflow_tick", "--at", NOW.isoformat())
    [received] = server.received
    email = received.message
    assert received.rcpt_tos == ("ana@example.com",)
    assert email["Subject"] == "Welcome, Ana"
    assert email["From"] == "Demo Shop <news@shop.example>"
    assert email["Reply-To"] == "care@shop.example"
    parts = {part.get_content_type(): part.get_content() for part in email.iter_parts()}
    assert parts["text/plain"] == "Hello Ana, your code is WELCOME10."
    assert parts["text/html"] == "<p>Hello <b>Ana</b>, your code is WELCOME10.</p>"
    message = Message.objects.get()
    assert email["X-Touchflow-Message"] == str(message.pk)
    assert (message.status, message.provider_message_id) == (
        MessageStatus.SENT,
        email["Message-ID"],
    )
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_a_temporary_refusal_is_retried_as_the_same_email(
    journey: Journey, server: SmtpServer
) -> None:
    server.refuse_rcpt["sam@example.com"] = "451 4.7.1 Greylisted, try again"
    enrolled(journey, "Sam", "sam@example.com")
    call_command("touchflow_tick", "--at", NOW.isoformat())
    message = Message.objects.get()
    assert message.status == MessageStatus.PENDING
    assert message.reason == "retrying after transient: 451 4.7.1 Greylisted, try again"
    assert server.received == []
    del server.refuse_rcpt["sam@example.com"]
    call_command("touchflow_tick", "--at", (NOW + timedelta(hours=1)).isoformat())
    message.refresh_from_db()
    [received] = server.received
    assert message.status == MessageStatus.SENT
    assert message.provider_message_id == received.message["Message-ID"]
    assert message.attempts == 2


def test_an_unknown_mailbox_fails_for_good(journey: Journey, server: SmtpServer) -> None:
    server.refuse_rcpt["gone@example.com"] = "550 5.1.1 No such user"
    enrolled(journey, "Gus", "gone@example.com")
    enrolled(journey, "Ivy", "ivy@example.com")
    call_command("touchflow_tick", "--at", NOW.isoformat())
    outcomes = dict(Message.objects.values_list("contact__external_id", "reason"))
    assert outcomes == {"gus": "invalid_recipient: 550 5.1.1 No such user", "ivy": ""}
    assert [item.rcpt_tos for item in server.received] == [("ivy@example.com",)]
