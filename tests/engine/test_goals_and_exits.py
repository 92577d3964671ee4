"""Goals convert (even after the end), exit events end live enrollments, wait_event wins ties."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from channels_plugins.models import Message
from core.models import Contact, Workspace
from core.services.contacts import upsert_contact
from core.services.events import track
from journeys.engine.enrollment import enroll
from journeys.engine.tick import tick
from journeys.models import Enrollment, EnrollmentStatus, Journey
from tests.engine.factories import published_journey
from tests.journeys.builders import JourneyBuilder
from tests.support.system import shared_examples_dir

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def published(workspace: Workspace, document: dict[str, Any]) -> Journey:
    return published_journey(workspace, document)


def example(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((shared_examples_dir() / name).read_text())
    return document


def contact(workspace: Workspace, external_id: str) -> Contact:
    return upsert_contact(
        workspace,
        {
            "external_id": external_id,
            "timezone": "Asia/Shanghai",
            "email": "a@example.com",
            "push_tokens": [{"provider": "sandbox", "token": "t"}],
        },
    )[0]


def event(workspace: Workspace, who: str, name: str, at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        track(workspace, user_id=who, event=name, timestamp=at)


def test_onboarding_goal_on_day_two_converts_and_stops_the_drip(demo: Workspace) -> None:
    journey = published(demo, example("onboarding_drip.json"))
    enroll(journey, contact(demo, "new"), NOW)
    tick(NOW)
    event(demo, "new", "tutorial_completed", NOW + timedelta(days=2))
    enrollment = Enrollment.objects.get()
    assert enrollment.status == EnrollmentStatus.CONVERTED
    assert enrollment.converted_at == NOW + timedelta(days=2)
    tick(NOW + timedelta(days=30))
    assert list(Message.objects.values_list("node_id", flat=True)) == ["push_features"]


def test_a_goal_after_the_end_still_counts_within_the_window(demo: Workspace) -> None:
    journey = published(demo, example("cart_abc_test.json"))  # goal order_paid within P3D
    enroll(journey, contact(demo, "buyer"), NOW, event={"name": "cart_abandoned"})
    enroll(journey, contact(demo, "late"), NOW, event={"name": "cart_abandoned"})
    tick(NOW)
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"completed"}
    event(demo, "buyer", "order_paid", NOW + timedelta(days=2))
    event(demo, "late", "order_paid", NOW + timedelta(days=4))
    buyer = Enrollment.objects.get(contact__external_id="buyer")
    assert buyer.status == EnrollmentStatus.COMPLETED  # finished stays finished...
    assert buyer.converted_at == NOW + timedelta(days=2)  # ...but the conversion counts
    assert Enrollment.objects.get(contact__external_id="late").converted_at is None


def test_exit_on_ends_every_live_enrollment_of_the_journey(demo: Workspace) -> None:
    document = example("silent_staircase.json")
    document["nodes"][0]["config"]["trigger"] = {"kind": "api"}  # segment entry comes later
    journey = published(demo, document)
    enroll(journey, contact(demo, "silent"), NOW)
    tick(NOW)
    event(demo, "silent", "app_opened", NOW + timedelta(days=3))
    enrollment = Enrollment.objects.get()
    assert enrollment.status == EnrollmentStatus.EXITED
    assert enrollment.wake_at is None
    tick(NOW + timedelta(days=30))
    assert list(Message.objects.values_list("node_id", flat=True)) == ["w1_push"]


def test_a_wait_event_for_the_goal_event_takes_received_first(demo: Workspace) -> None:
    document = (
        JourneyBuilder()
        .entry()
        .node("wait_pay", "wait_event", {"event": "order_paid", "timeout": "P1D"})
        .node("thanks", "update_contact", {"add_tags": ["paid"]})
        .exit()
        .edge("start", "wait_pay")
        .edge("wait_pay", "thanks", "received")
        .edge("wait_pay", "done", "timeout")
        .edge("thanks", "done")
        .build()
    )
    document["settings"] = {"goal": {"event": "order_paid", "within": "P3D"}}
    journey = published(demo, document)
    payer = contact(demo, "payer")
    enroll(journey, payer, NOW)
    tick(NOW)
    event(demo, "payer", "order_paid", NOW + timedelta(hours=1))
    tick(NOW + timedelta(hours=1))
    enrollment = Enrollment.objects.get()
    assert enrollment.converted_at == NOW + timedelta(hours=1)
    assert enrollment.status == EnrollmentStatus.COMPLETED  # went on through `received`
    payer.refresh_from_db()
    assert payer.tags == ["paid"]
