"""Send policies at dispatch: suppression, consent, unsubscribes and frequency caps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from channels_plugins.models import Message
from core.models import Contact, SuppressionEntry, Workspace
from core.services.contacts import upsert_contact
from journeys.demo import DEMO_SLUG, load_demo
from journeys.engine.enrollment import enroll
from journeys.engine.tick import tick
from journeys.models import Journey
from tests.engine.factories import published_journey
from tests.journeys.builders import JourneyBuilder

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)


def push_journey(workspace: Workspace, name: str, category: str = "marketing") -> Journey:
    config = {
        "channel": "push",
        "account": "push-main",
        "category": category,
        "params": {"title": name, "body": "b"},
    }
    document = JourneyBuilder().entry().node("p", "send", config).exit().chain("start", "p", "done")
    return published_journey(workspace, document.build(), name=name)


def capped_demo_with_a_push_reader() -> tuple[Workspace, Contact]:
    """The demo workspace capped at one marketing push a day, and a contact push reaches."""
    load_demo()
    workspace = Workspace.objects.get(slug=DEMO_SLUG)
    workspace.frequency_caps = [{"max": 1, "per": "P1D", "channels": ["push"]}]
    workspace.save()
    person = upsert_contact(
        workspace,
        {
            "external_id": "p",
            "timezone": "Asia/Shanghai",
            "push_tokens": [{"provider": "sandbox", "token": "t"}],
        },
    )[0]
    return workspace, person


def test_a_workspace_cap_counts_across_journeys_in_one_batch() -> None:
    workspace, person = capped_demo_with_a_push_reader()
    journeys = [push_journey(workspace, name) for name in ("first", "second")]
    receipt = push_journey(workspace, "receipt", category="transactional")
    for journey in [*journeys, receipt]:
        enroll(journey, person, NOW)
    report = tick(NOW)
    outcomes = dict(Message.objects.values_list("content__title", "status"))
    assert outcomes == {"first": "sent", "second": "skipped", "receipt": "sent"}
    assert Message.objects.get(status="skipped").reason == ("frequency_capped: 1 per P1D on push")
    assert (report.sent, report.skipped) == (2, 1)


def test_suppression_consent_and_unsubscribes_skip_with_their_reasons() -> None:
    load_demo()
    workspace = Workspace.objects.get(slug=DEMO_SLUG)
    SuppressionEntry.objects.create(
        workspace=workspace, channel="", address="t-listed", reason="legal hold"
    )

    def person(external_id: str, **fields: object) -> Contact:
        token = [{"provider": "sandbox", "token": f"t-{external_id}"}]
        data = {"external_id": external_id, "timezone": "Asia/Shanghai", "push_tokens": token}
        return upsert_contact(workspace, {**data, **fields})[0]

    people = [
        person("listed"),
        person("declined", consents={"push": False}),
        person("left"),
        person("welcome", consents={"push": True}),
    ]
    Contact.objects.filter(external_id="left").update(unsubscribed={"push": NOW.isoformat()})
    marketing = push_journey(workspace, "promo")
    receipt = push_journey(workspace, "receipt", category="transactional")
    for contact in people:
        contact.refresh_from_db()
        enroll(marketing, contact, NOW)
        enroll(receipt, contact, NOW)
    tick(NOW)
    outcomes = {
        (external_id, title): (status, reason)
        for external_id, title, status, reason in Message.objects.values_list(
            "contact__external_id", "content__title", "status", "reason"
        )
    }
    assert outcomes == {
        ("listed", "promo"): ("skipped", "suppressed: legal hold"),
        ("listed", "receipt"): ("skipped", "suppressed: legal hold"),  # listed means never
        ("declined", "promo"): ("skipped", "no_consent"),
        ("declined", "receipt"): ("sent", ""),
        ("left", "promo"): ("skipped", "unsubscribed"),
        ("left", "receipt"): ("sent", ""),
        ("welcome", "promo"): ("sent", ""),
        ("welcome", "receipt"): ("sent", ""),
    }


def test_a_transactional_send_in_the_batch_does_not_count_against_a_marketing_cap() -> None:
    """Regression: a transactional message allowed earlier in the same dispatch batch was
    counted against the marketing cap (the contract counts sent marketing messages only), so
    a receipt taken first used up the day's one marketing push."""
    workspace, person = capped_demo_with_a_push_reader()
    receipt = push_journey(workspace, "receipt", category="transactional")
    offer = push_journey(workspace, "offer")
    for journey in (receipt, offer):
        enroll(journey, person, NOW)
    tick(NOW)
    outcomes = dict(Message.objects.values_list("content__title", "status"))
    assert outcomes == {"receipt": "sent", "offer": "sent"}
