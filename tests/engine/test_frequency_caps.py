"""Workspace frequency caps count across journeys; transactional messages are never capped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from channels_plugins.models import Message
from core.models import Workspace
from core.services.contacts import upsert_contact
from journeys.demo import DEMO_SLUG, load_demo
from journeys.engine.enrollment import enroll
from journeys.engine.tick import tick
from journeys.models import Journey
from journeys.services import Publisher, create_journey, publish_journey
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
    journey = create_journey(workspace, name=name, definition=document.build())
    publish_journey(journey, publisher=Publisher())
    journey.refresh_from_db()
    return journey


def test_a_workspace_cap_counts_across_journeys_in_one_batch() -> None:
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
    journeys = [push_journey(workspace, name) for name in ("first", "second")]
    receipt = push_journey(workspace, "receipt", category="transactional")
    for journey in [*journeys, receipt]:
        enroll(journey, person, NOW)
    report = tick(NOW)
    outcomes = dict(Message.objects.values_list("content__title", "status"))
    assert outcomes == {"first": "sent", "second": "skipped", "receipt": "sent"}
    assert Message.objects.get(status="skipped").reason == ("frequency_capped: 1 per P1D on push")
    assert (report.sent, report.skipped) == (2, 1)
