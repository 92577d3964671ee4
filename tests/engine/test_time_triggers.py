"""Time-based entry: entering a segment (by an event, a change or time alone) and schedules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from channels_plugins.models import Message
from core.models import Workspace
from journeys.demo import DEMO_SLUG, load_demo
from journeys.engine.tick import tick
from journeys.models import Enrollment, Journey, SegmentState
from tests.conftest import ClientFactory
from tests.journeys.builders import JourneyBuilder
from tests.support.system import shared_examples_dir

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
DAY = timedelta(days=1)


@pytest.fixture
def api(make_client: ClientFactory) -> APIClient:
    load_demo()
    return make_client(Workspace.objects.get(slug=DEMO_SLUG))


def at(moment: datetime, api: APIClient, method: str, path: str, body: Any = None) -> Any:
    with time_machine.travel(moment, tick=False):
        response = getattr(api, method)(path, body, format="json")
    assert response.status_code < 300, response.content
    return response.json() if response.content else None


def publish(api: APIClient, moment: datetime, document: dict[str, Any]) -> int:
    journey = at(moment, api, "post", "/api/v1/journeys/", {"name": "t", "definition": document})
    at(moment, api, "post", f"/api/v1/journeys/{journey['id']}/publish/", {})
    return int(journey["id"])


def contact(api: APIClient, moment: datetime, external_id: str, **fields: Any) -> None:
    body = {"external_id": external_id, "timezone": "Asia/Shanghai", **fields}
    at(moment, api, "post", "/api/v1/contacts/", body)


def track(api: APIClient, moment: datetime, who: str, event: str) -> None:
    at(moment, api, "post", "/api/v1/track/", {"userId": who, "event": event})


def segment(api: APIClient, key: str, rule: dict[str, Any]) -> None:
    at(T0, api, "post", "/api/v1/segments/", {"key": key, "rule": rule})


def entered_on(trigger: dict[str, Any]) -> dict[str, Any]:
    """A journey that only enters (on `trigger`) and exits."""
    return JourneyBuilder().entry(trigger=trigger).exit().chain("start", "done").build()


def daily_at_nine(segment_key: str) -> dict[str, Any]:
    return entered_on({"kind": "schedule", "cron": "0 9 * * *", "segment": segment_key})


def channels_sent(external_id: str) -> list[tuple[str, str]]:
    return list(
        Message.objects.filter(contact__external_id=external_id)
        .order_by("id")
        .values_list("channel", "status")
    )


FULL = {
    "email": "f@example.com",
    "phone": "+8613800000003",
    "wechat_openid": "o-full",
    "push_tokens": [{"provider": "sandbox", "token": "t-full"}],
}


def test_silent_staircase_starts_when_time_alone_makes_a_contact_silent(api: APIClient) -> None:
    document = json.loads((shared_examples_dir() / "silent_staircase.json").read_text())
    contact(api, T0 - DAY, "full", **FULL)
    contact(api, T0 - DAY, "bare", push_tokens=[{"provider": "sandbox", "token": "t-bare"}])
    contact(api, T0 - DAY, "returns", **{**FULL, "wechat_openid": "o-returns"})
    contact(api, T0 - DAY, "never_opened", **FULL)
    publish(api, T0 - DAY, document)
    tick(T0 - DAY)  # the segment's baseline: nobody is silent yet, nobody enrolled
    assert SegmentState.objects.filter(member=True).count() == 0
    for who in ("full", "bare", "returns"):
        track(api, T0, who, "app_opened")
    tick(T0 + 30 * DAY)
    assert not Enrollment.objects.exists()  # the last open still counts at exactly 30 days
    entered = tick(T0 + 30 * DAY + timedelta(seconds=1))
    assert entered.enrolled == 3
    assert {e.contact.external_id for e in Enrollment.objects.select_related("contact")} == {
        "full",
        "bare",
        "returns",
    }
    assert channels_sent("full") == [("push", "sent")]

    track(api, T0 + 33 * DAY, "returns", "app_opened")  # exit_on: ends it at once
    assert Enrollment.objects.get(contact__external_id="returns").status == "exited"

    tick(T0 + 37 * DAY + timedelta(seconds=1))
    tick(T0 + 44 * DAY + timedelta(seconds=1))
    assert channels_sent("full") == [
        ("push", "sent"),
        ("email", "sent"),
        ("sms", "sent"),
        ("wechat", "sent"),
    ]
    assert channels_sent("bare") == [
        ("push", "sent"),
        ("email", "skipped"),
        ("sms", "skipped"),
        ("wechat", "skipped"),
    ]
    assert channels_sent("returns") == [("push", "sent")]
    statuses = dict(Enrollment.objects.values_list("contact__external_id", "status"))
    assert statuses == {"full": "completed", "bare": "completed", "returns": "exited"}
    assert not channels_sent("never_opened")  # never opened: never silent


def test_an_attribute_change_enters_a_segment_at_once(api: APIClient) -> None:
    segment(api, "big_spenders", {"attr": "monthly_spend", "op": "gte", "value": 5000})
    document = entered_on({"kind": "segment", "segment": "big_spenders"})
    contact(api, T0, "already", attributes={"monthly_spend": 9000})
    contact(api, T0, "later", attributes={"monthly_spend": 100})
    journey_id = publish(api, T0, document)
    tick(T0)
    assert not Enrollment.objects.exists()  # a member before tracking began did not enter
    at(T0 + DAY, api, "patch", "/api/v1/contacts/later/", {"attributes": {"monthly_spend": 6000}})
    assert list(Enrollment.objects.values_list("contact__external_id", flat=True)) == ["later"]
    # Leaving and coming back is entering again (re-entry rules still apply: never, here).
    at(
        T0 + 2 * DAY,
        api,
        "patch",
        "/api/v1/contacts/already/",
        {"attributes": {"monthly_spend": 1}},
    )
    at(
        T0 + 3 * DAY,
        api,
        "patch",
        "/api/v1/contacts/already/",
        {"attributes": {"monthly_spend": 8000}},
    )
    assert Enrollment.objects.filter(journey_id=journey_id).count() == 2


def test_time_rechecks_read_only_due_rows(api: APIClient) -> None:
    """The sweep's cost follows the due rows, not the number of contacts."""
    document = json.loads((shared_examples_dir() / "silent_staircase.json").read_text())
    contacts = [{"external_id": f"c{i}"} for i in range(300)]
    at(T0, api, "post", "/api/v1/contacts/bulk/", {"contacts": contacts})
    publish(api, T0, document)
    tick(T0)
    with CaptureQueriesContext(connection) as queries:
        tick(T0 + DAY)
    contact_reads = [q for q in queries.captured_queries if 'FROM "core_contact"' in q["sql"]]
    assert contact_reads == []


def test_a_schedule_enrolls_the_segments_members_at_each_local_occurrence(api: APIClient) -> None:
    segment(api, "vips", {"tag": "vip"})
    for who, tags in (("v1", ["vip"]), ("v2", ["vip"]), ("n1", [])):
        contact(api, T0, who, tags=tags)
    document = daily_at_nine("vips")
    document["settings"] = {"reentry": "always"}
    journey_id = publish(api, T0, document)  # 12:00 Shanghai: the next 09:00 is tomorrow
    journey = Journey.objects.get(pk=journey_id)
    assert journey.next_run_at == datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # 09:00 +08:00
    assert tick(datetime(2026, 11, 3, 0, 59, tzinfo=UTC)).enrolled == 0
    assert tick(datetime(2026, 11, 3, 1, 0, tzinfo=UTC)).enrolled == 2
    assert tick(datetime(2026, 11, 3, 1, 30, tzinfo=UTC)).enrolled == 0  # once per occurrence
    # Down for three days: one catch-up run, not three, then back on the daily rhythm.
    assert tick(datetime(2026, 11, 6, 2, 0, tzinfo=UTC)).enrolled == 2
    journey.refresh_from_db()
    assert journey.next_run_at == datetime(2026, 11, 7, 1, 0, tzinfo=UTC)
    members = set(Enrollment.objects.values_list("contact__external_id", flat=True))
    assert members == {"v1", "v2"}


def test_a_schedule_follows_the_workspace_timezone_across_dst(api: APIClient) -> None:
    Workspace.objects.filter(slug=DEMO_SLUG).update(timezone="Europe/Berlin")
    segment(api, "all", {"not": {"tag": "x"}})
    document = daily_at_nine("all")
    before_dst_end = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)  # Berlin on CEST (+02:00)
    journey_id = publish(api, before_dst_end, document)
    journey = Journey.objects.get(pk=journey_id)
    assert journey.next_run_at == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # 09:00 CET, DST over
    tick(journey.next_run_at)
    journey.refresh_from_db()
    assert journey.next_run_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_pausing_stops_the_schedule_and_resuming_plans_from_now(api: APIClient) -> None:
    segment(api, "vips", {"tag": "vip"})
    document = daily_at_nine("vips")
    journey_id = publish(api, T0, document)
    at(T0, api, "post", f"/api/v1/journeys/{journey_id}/pause/", {})
    assert Journey.objects.get(pk=journey_id).next_run_at is None
    at(T0 + 5 * DAY, api, "post", f"/api/v1/journeys/{journey_id}/resume/", {})
    assert Journey.objects.get(pk=journey_id).next_run_at == datetime(2026, 11, 8, 1, 0, tzinfo=UTC)


def test_a_tag_set_by_one_journey_enters_a_segment_another_journey_starts_on(
    api: APIClient,
) -> None:
    segment(api, "vips", {"tag": "vip"})
    tagger = (
        JourneyBuilder()
        .entry()
        .node("tag", "update_contact", {"add_tags": ["vip"]})
        .exit()
        .chain("start", "tag", "done")
        .build()
    )
    welcome = entered_on({"kind": "segment", "segment": "vips"})
    contact(api, T0, "ann")
    tagger_id = publish(api, T0, tagger)
    welcome_id = publish(api, T0, welcome)
    tick(T0)  # baseline: ann is not a VIP
    at(T0, api, "post", f"/api/v1/journeys/{tagger_id}/enroll/", {"contacts": ["ann"]})
    tick(T0 + DAY)
    entered = Enrollment.objects.filter(journey_id=welcome_id)
    assert [e.contact.external_id for e in entered] == ["ann"]
    assert entered.get().status == "completed"


def test_an_event_reads_the_workspaces_journeys_once(api: APIClient) -> None:
    """Event entry and segment re-evaluation share one read of the active journeys."""
    segment(api, "openers", {"event": "app_opened"})
    publish(api, T0, entered_on({"kind": "segment", "segment": "openers"}))
    publish(api, T0, entered_on({"kind": "event", "event": "app_opened"}))
    contact(api, T0, "ann")
    tick(T0)
    with CaptureQueriesContext(connection) as queries:
        track(api, T0, "ann", "app_opened")
    journey_reads = [
        q for q in queries.captured_queries if q["sql"].startswith('SELECT "journeys_journey"')
    ]
    assert len(journey_reads) == 1
    assert Enrollment.objects.count() == 2  # entered on the event, and on entering the segment
