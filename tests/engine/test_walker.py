"""The walker on the contract's examples: routing, windows, splits, failures and replays."""

from __future__ import annotations

import gc
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, Sum

from channels_plugins.models import Message
from core.models import Contact, Workspace
from core.services.contacts import upsert_contact
from journeys.engine import walker
from journeys.engine.claim import claim_due
from journeys.engine.enrollment import Skipped, enroll
from journeys.engine.walker import advance_batch, run_due
from journeys.models import Enrollment, EnrollmentStatus, Journey, NodeVisitCount, StepLog
from journeys.services import create_journey
from tests.engine.factories import published_journey
from tests.journeys.builders import JourneyBuilder
from tests.support.people import person
from tests.support.system import shared_examples_dir

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def published(workspace: Workspace, example: str) -> Journey:
    document = json.loads((shared_examples_dir() / example).read_text())
    return published_journey(workspace, document, name=example)


def messages_of(contact: Contact) -> list[tuple[str, str]]:
    return [
        (m.node_id, m.channel)
        for m in Message.objects.filter(contact=contact).order_by("created_at", "id")
    ]


def test_high_value_routing(demo: Workspace) -> None:
    journey = published(demo, "high_value_routing.json")
    vip = person(
        demo,
        "vip",
        first_name="Li",
        attributes={"monthly_spend": 6200, "advisor_name": "Zhang Min", "advisor_ext": "8021"},
    )
    regular = person(demo, "regular", first_name="Ana", attributes={"monthly_spend": 800})
    for contact in (vip, regular):
        assert isinstance(enroll(journey, contact, NOW), Enrollment)
    report = run_due(NOW)
    assert report.advanced == 10  # five node visits each: entry, condition, send, tag, exit
    vip_message = Message.objects.select_related("account").get(contact=vip)
    assert vip_message.account is not None
    assert (vip_message.node_id, vip_message.channel, vip_message.account.name) == (
        "vip_sms",
        "sms",
        "sms-enterprise",
    )
    assert "Zhang Min (ext. 8021)" in vip_message.content["body"]
    assert vip_message.content["template_params"] == {
        "name": "Li",
        "advisor": "Zhang Min",
        "ext": "8021",
    }
    assert messages_of(regular) == [("push", "push")]
    for contact in (vip, regular):
        contact.refresh_from_db()
        assert "launch_notified" in contact.tags
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"completed"}
    ports = list(
        StepLog.objects.filter(enrollment__contact=vip)
        .order_by("visit")
        .values_list("node_id", "port")
    )
    assert ports == [
        ("start", "next"),
        ("is_vip", "yes"),
        ("vip_sms", "next"),
        ("tag", "next"),
        ("done", ""),
    ]


def test_onboarding_drip_holds_the_second_push_for_the_evening_window(demo: Workspace) -> None:
    journey = published(demo, "onboarding_drip.json")
    newcomer = person(demo, "new", first_name="Wei")
    enroll(journey, newcomer, NOW)
    run_due(NOW)
    first = Message.objects.get(contact=newcomer)
    assert first.node_id == "push_features"
    assert first.content["title"] == "Welcome, Wei"
    enrollment = Enrollment.objects.get()
    assert enrollment.status == EnrollmentStatus.WAITING
    assert enrollment.wake_at == NOW + timedelta(days=3)

    run_due(NOW + timedelta(days=3))  # 09:00 local on day 3: outside 18:00-20:00
    assert messages_of(newcomer) == [("push_features", "push")]
    enrollment.refresh_from_db()
    evening = datetime(2026, 11, 5, 18, 0, tzinfo=SHANGHAI)
    assert enrollment.wake_at == evening.astimezone(UTC)

    run_due(evening.astimezone(UTC))
    assert messages_of(newcomer)[-1] == ("push_tips", "push")
    enrollment.refresh_from_db()
    assert enrollment.wake_at == evening.astimezone(UTC) + timedelta(days=4)
    run_due(enrollment.wake_at)
    assert messages_of(newcomer)[-1] == ("push_community", "push")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_cart_split_is_deterministic_and_roughly_even(demo: Workspace) -> None:
    journey = published(demo, "cart_abc_test.json")
    contacts = [person(demo, f"c{i}") for i in range(300)]
    for contact in contacts:
        enroll(
            journey,
            contact,
            NOW,
            event={"name": "cart_abandoned", "properties": {"product_name": "Phone X"}},
        )
    run_due(NOW)
    shares = Counter(Message.objects.values_list("node_id", flat=True))
    assert sum(shares.values()) == 300
    assert all(70 <= shares[node] <= 130 for node in ("discount", "reviews", "trial"))
    discount = Message.objects.filter(node_id="discount").first()
    assert discount is not None
    assert discount.content["body"] == "Phone X is 10% off today"
    variants = {e.contact_id: e.context["variants"]["ab"] for e in Enrollment.objects.all()}
    expected = {"A": "discount", "B": "reviews", "C": "trial"}
    for message in Message.objects.all():
        assert message.node_id == expected[variants[message.contact_id]]


def test_a_broken_enrollment_fails_alone_with_its_reason(demo: Workspace) -> None:
    """An enrollment pointing at a node its version lacks (a hand-edited row) fails alone."""
    onboarding = published(demo, "onboarding_drip.json")
    routing = published(demo, "high_value_routing.json")
    contact = person(demo, "both")
    broken = enroll(onboarding, contact, NOW)
    assert isinstance(broken, Enrollment)
    Enrollment.objects.filter(pk=broken.pk).update(node_id="vanished")
    enroll(routing, contact, NOW)
    report = run_due(NOW)
    assert report.failed == 1
    broken.refresh_from_db()
    assert broken.status == EnrollmentStatus.FAILED
    assert "vanished" in broken.error
    assert Enrollment.objects.get(journey=routing).status == EnrollmentStatus.COMPLETED
    assert messages_of(contact) == [("push", "push")]


@pytest.mark.parametrize("enabled", [True, False])
def test_a_batch_leaves_the_garbage_collector_as_it_found_it(
    demo: Workspace, enabled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector is paused while a batch runs, even one that fails, and restored after."""
    journey = published(demo, "high_value_routing.json")
    enroll(journey, person(demo, "gc"), NOW)
    seen: list[bool] = []
    real_write = walker._write

    def write(*args: Any) -> None:
        seen.append(gc.isenabled())
        real_write(*args)
        raise RuntimeError("the write-back failed")

    monkeypatch.setattr(walker, "_write", write)
    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(RuntimeError):
            advance_batch(claim_due(NOW, limit=10), NOW)
        assert (seen, gc.isenabled()) == ([False], enabled)
    finally:
        gc.enable()


def test_a_stale_claim_writes_nothing(demo: Workspace) -> None:
    journey = published(demo, "high_value_routing.json")
    enroll(journey, person(demo, "x"), NOW)
    stale = claim_due(NOW, limit=10, lease=timedelta(seconds=1))
    fresh = claim_due(NOW + timedelta(seconds=2), limit=10)
    assert fresh.ids == stale.ids
    advance_batch(stale, NOW)  # its lease was taken over: its results must be dropped
    assert not Message.objects.exists()
    assert not StepLog.objects.exists()
    advance_batch(fresh, NOW)
    assert Message.objects.count() == 1
    advance_batch(fresh, NOW)  # replaying a finished claim changes nothing
    assert Message.objects.count() == 1


def test_enrollments_taken_over_mid_batch_keep_the_new_workers_claim(
    demo: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lease that runs out while its batch walks: the enrollment another worker claimed
    meanwhile is left to that worker, untouched; the rest of the batch is written."""
    journey = published(demo, "high_value_routing.json")
    for name in ("a", "b", "c"):
        enroll(journey, person(demo, name), NOW)
    stale = claim_due(NOW, limit=10, lease=timedelta(seconds=1))
    real_load = walker.load
    takeovers = []

    def load_then_lose_one(claim: Any) -> Any:
        loaded = real_load(claim)
        takeovers.append(claim_due(NOW + timedelta(seconds=2), limit=1))
        return loaded

    monkeypatch.setattr(walker, "load", load_then_lose_one)
    advance_batch(stale, NOW)
    (lost,) = takeovers[0].ids
    kept = set(stale.ids) - {lost}
    assert len(kept) == 2
    assert set(Message.objects.values_list("enrollment_id", flat=True)) == kept
    assert set(StepLog.objects.values_list("enrollment_id", flat=True)) == kept
    taken_over = Enrollment.objects.get(pk=lost)
    assert (taken_over.lease_token, taken_over.visit) == (takeovers[0].token, 0)
    assert set(Enrollment.objects.filter(pk__in=kept).values_list("lease_token", flat=True)) == {""}
    assert visit_counts() == logged_visits()  # the lost enrollment's visits are not counted


def visit_counts() -> list[tuple[int, str, str, int]]:
    """The stats' visit counters, per (version, node, port), shards summed."""
    rows = NodeVisitCount.objects.values_list("version_id", "node_id", "port").annotate(
        n=Sum("visits")
    )
    return sorted(rows)


def logged_visits() -> list[tuple[int, str, str, int]]:
    """The step log's visits, per (version, node, port)."""
    rows = StepLog.objects.values_list("enrollment__version_id", "node_id", "port").annotate(
        n=Count("id")
    )
    return sorted(rows)


def test_visit_counts_agree_with_the_step_log(demo: Workspace) -> None:
    routing = published(demo, "high_value_routing.json")
    drip = published(demo, "onboarding_drip.json")
    for i in range(6):
        contact = person(demo, f"v{i}", attributes={"monthly_spend": i * 300})
        enroll(routing, contact, NOW)
        enroll(drip, contact, NOW)
    for days in (0, 1, 3, 8, 30):
        run_due(NOW + timedelta(days=days))
    assert visit_counts() == logged_visits()
    assert len({version for version, *_ in visit_counts()}) == 2


def test_query_count_does_not_grow_with_the_batch(
    demo: Workspace, django_assert_max_num_queries: Any
) -> None:
    journey = published(demo, "high_value_routing.json")
    for i in range(120):
        enroll(journey, person(demo, f"p{i}", attributes={"monthly_spend": i * 100}), NOW)
    claim = claim_due(NOW, limit=500)
    with django_assert_max_num_queries(15):  # 15 today, for 1 or 500 enrollments alike
        result = advance_batch(claim, NOW)
    assert result.advanced == 120 * 5
    assert Message.objects.count() == 120


def test_reentry_rules(demo: Workspace) -> None:
    never = published(demo, "onboarding_drip.json")  # reentry: never
    after = published(demo, "cart_abc_test.json")  # reentry: after P7D
    contact = person(demo, "again")
    assert isinstance(enroll(never, contact, NOW), Enrollment)
    assert enroll(never, contact, NOW + timedelta(days=400)) == Skipped("already_enrolled")
    assert isinstance(enroll(after, contact, NOW), Enrollment)
    assert enroll(after, contact, NOW + timedelta(days=6)) == Skipped("reentry_too_soon")
    assert isinstance(enroll(after, contact, NOW + timedelta(days=7)), Enrollment)


def test_only_active_journeys_enroll(demo: Workspace) -> None:
    draft = create_journey(demo, name="draft", definition={})
    assert enroll(draft, person(demo, "d"), NOW) == Skipped("journey_not_active")


def test_pause_holds_resume_continues_archive_exits(demo: Workspace) -> None:
    from journeys.services import change_status

    journey = published(demo, "onboarding_drip.json")
    enroll(journey, person(demo, "p"), NOW)
    run_due(NOW)
    change_status(journey, "pause")
    assert run_due(NOW + timedelta(days=10)).advanced == 0  # held at wait_3d
    assert messages_of(Contact.objects.get(external_id="p")) == [("push_features", "push")]
    change_status(journey, "resume")
    assert run_due(NOW + timedelta(days=3)).advanced == 1  # wait_3d → push_tips (window)
    change_status(journey, "archive")
    enrollment = Enrollment.objects.get()
    assert enrollment.status == EnrollmentStatus.EXITED
    assert run_due(NOW + timedelta(days=30)).advanced == 0


def test_a_contact_change_made_while_a_batch_runs_is_kept(
    demo: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the walker wrote back the contact's attributes and tags as its pass had read
    them, so an API change landing between the batch's load and its write was lost. Now the
    journey's changes are applied to the row as it is when written. (The interleaving is made
    by running the API change just before the write: one process cannot time it otherwise.)"""
    document = (
        JourneyBuilder()
        .entry()
        .node("tag", "update_contact", {"set": {"stage": "welcomed"}, "add_tags": ["welcomed"]})
        .exit()
        .edge("start", "tag")
        .edge("tag", "done")
        .build()
    )
    journey = published_journey(demo, document, name="Welcome tag")
    someone = person(demo, "someone", attributes={"plan": "free"}, tags=["trial"])
    enroll(journey, someone, NOW)
    write = walker._write

    def write_after_an_api_change(*args: Any) -> None:
        upsert_contact(demo, {"external_id": "someone", "attributes": {"plan": "gold"}})
        write(*args)

    monkeypatch.setattr(walker, "_write", write_after_an_api_change)
    assert run_due(NOW).advanced == 3
    someone.refresh_from_db()
    assert someone.attributes == {"plan": "gold", "stage": "welcomed"}
    assert someone.tags == ["trial", "welcomed"]
