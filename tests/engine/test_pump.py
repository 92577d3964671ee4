"""The django-q2 pump: scheduled, bounded, re-enqueued while work remains, asked for on commit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django_q.models import OrmQ, Schedule

from core.models import Workspace
from journeys import tasks
from journeys.engine.enrollment import enroll
from journeys.models import Enrollment, EnrollmentStatus
from tests.engine.factories import enrollments, published_version
from tests.journeys.builders import JourneyBuilder

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def test_a_schedule_runs_the_pump_every_minute() -> None:
    schedule = Schedule.objects.get(func=tasks.PUMP)
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 1, -1)


def test_pump_advances_due_work_and_stops_when_drained(workspace: Workspace) -> None:
    version = published_version(workspace)
    enrollments(version, 3, wake_at=NOW, entered_at=NOW)
    with time_machine.travel(NOW, tick=False):
        assert tasks.pump() == {"enrolled": 0, "advanced": 6, "dispatched": 0, "more": False}
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"completed"}
    assert not OrmQ.objects.exists()


def test_pump_enqueues_itself_while_work_remains(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "MAX_BATCHES_PER_PUMP", 1)
    version = published_version(workspace)
    enrollments(version, 3, wake_at=NOW, entered_at=NOW)
    with time_machine.travel(NOW, tick=False):
        from journeys.engine import walker

        monkeypatch.setattr(tasks, "run_due", _small_batches(walker.run_due))
        report = tasks.pump()
    assert report["more"] is True
    assert OrmQ.objects.count() == 1
    assert Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED).count() == 1


def _small_batches(run_due: Any) -> Any:
    return lambda now, max_batches: run_due(now, batch_size=1, max_batches=max_batches)


def test_ingestion_asks_for_one_pump_per_transaction(
    workspace: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    document = (
        JourneyBuilder()
        .entry(trigger={"kind": "event", "event": "signed_up"})
        .exit()
        .chain("start", "done")
        .build()
    )
    from journeys.services import Publisher, create_journey, publish_journey

    publish_journey(create_journey(workspace, name="j", definition=document), publisher=Publisher())
    from core.services.events import track

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for user in ("a", "b", "c"):
            track(workspace, user_id=user, event="signed_up")
    assert len(callbacks) == 1
    assert OrmQ.objects.count() == 1
    assert Enrollment.objects.count() == 3


def test_enroll_outside_ingestion_does_not_need_the_pump(workspace: Workspace) -> None:
    version = published_version(workspace)
    from core.services.contacts import upsert_contact

    contact = upsert_contact(workspace, {"external_id": "x"})[0]
    assert isinstance(enroll(version.journey, contact, NOW), Enrollment)
    assert not OrmQ.objects.exists()
