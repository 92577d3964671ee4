"""Webhook nodes and send nodes with a `failed` port: the outbox item's outcome picks the port.

The webhook receiver is a real HTTP server on loopback; time moves only through `tick(at)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from channels_plugins.dispatch import (
    MAX_ATTEMPTS,
    POSSIBLE_DUPLICATE,
    SEND_LEASE,
    claim_messages,
    dispatch_due,
)
from channels_plugins.models import Message, MessageStatus
from core.models import Workspace
from journeys.engine.enrollment import enroll
from journeys.engine.tick import tick
from journeys.engine.walker import run_due
from journeys.models import Enrollment, EnrollmentStatus, Journey, StepLog
from journeys.nodes.outcome import RECHECK_AFTER
from tests.engine.factories import published_journey
from tests.journeys.builders import JourneyBuilder
from tests.support.http import RecordingServer, recording_server
from tests.support.people import person

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)  # midday in Shanghai: no quiet hours in the way


@pytest.fixture
def receiver() -> Iterator[RecordingServer]:
    with recording_server() as server:
        yield server


def published(workspace: Workspace, builder: JourneyBuilder) -> Journey:
    return published_journey(workspace, builder.build(), name="outcomes")


def webhook_journey(url: str, *, failed_port: bool) -> JourneyBuilder:
    builder = (
        JourneyBuilder()
        .entry()
        .node(
            "hook",
            "webhook",
            {
                "url": url + "/coupons/{{ contact.external_id }}",
                "headers": {"X-Campaign": "{{ journey.name }}"},
                "body": {"user": "{{ contact.external_id }}", "coupon": "MEMBER20", "n": 3},
            },
        )
        .exit("done")
        .chain("start", "hook", "done")
    )
    if failed_port:
        builder.exit("gave_up").edge("hook", "gave_up", "failed")
    return builder


def ports_taken(enrollment: Enrollment) -> list[tuple[str, str]]:
    return list(
        StepLog.objects.filter(enrollment=enrollment)
        .order_by("visit")
        .values_list("node_id", "port")
    )


def test_a_webhook_posts_the_rendered_call_with_our_idempotency_key(
    demo: Workspace, receiver: RecordingServer
) -> None:
    journey = published(demo, webhook_journey(receiver.url, failed_port=True))
    enrollment = enroll(journey, person(demo, "ann"), NOW)
    assert isinstance(enrollment, Enrollment)
    tick(NOW)
    [call] = receiver.requests
    message = Message.objects.get(channel="webhook")
    assert (call.method, call.path) == ("POST", "/coupons/ann")
    assert call.json() == {"user": "ann", "coupon": "MEMBER20", "n": 3}
    assert call.headers["X-Campaign"] == "outcomes"
    assert call.headers["Idempotency-Key"] == message.idempotency_key
    assert (message.status, message.node_id, message.account_id) == ("sent", "hook", None)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert ports_taken(enrollment) == [("start", "next"), ("hook", "next"), ("done", "")]


def test_a_failing_webhook_is_retried_with_backoff_then_takes_the_failed_port(
    demo: Workspace, receiver: RecordingServer
) -> None:
    receiver.reply(*[503] * MAX_ATTEMPTS)
    journey = published(demo, webhook_journey(receiver.url, failed_port=True))
    enrollment = enroll(journey, person(demo, "bob"), NOW)
    assert isinstance(enrollment, Enrollment)
    at = NOW
    tick(at)
    for attempt in range(1, MAX_ATTEMPTS):
        message = Message.objects.get(channel="webhook")
        assert (message.status, message.attempts) == (MessageStatus.PENDING, attempt)
        assert message.reason == "retrying after transient: HTTP 503"
        assert message.next_attempt_at is not None
        assert message.next_attempt_at > at
        enrollment.refresh_from_db()
        assert (enrollment.status, enrollment.node_id) == (EnrollmentStatus.WAITING, "hook")
        at = message.next_attempt_at
        tick(at)
    message = Message.objects.get(channel="webhook")
    assert (message.status, message.reason) == (MessageStatus.FAILED, "transient: HTTP 503")
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert len({r.headers["Idempotency-Key"] for r in receiver.requests}) == 1
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert ports_taken(enrollment)[-2:] == [("hook", "failed"), ("gave_up", "")]


def test_a_retry_that_succeeds_takes_next_and_honours_retry_after(
    demo: Workspace, receiver: RecordingServer
) -> None:
    receiver.reply(429, headers={"Retry-After": "7200"})
    journey = published(demo, webhook_journey(receiver.url, failed_port=True))
    enrollment = enroll(journey, person(demo, "cat"), NOW)
    assert isinstance(enrollment, Enrollment)
    tick(NOW)
    message = Message.objects.get(channel="webhook")
    assert message.next_attempt_at is not None
    assert message.next_attempt_at >= NOW + timedelta(hours=2)
    tick(message.next_attempt_at)
    message.refresh_from_db()
    assert (message.status, message.reason) == (MessageStatus.SENT, "")
    enrollment.refresh_from_db()
    assert ports_taken(enrollment)[-2:] == [("hook", "next"), ("done", "")]


def test_a_client_error_is_final_at_once(demo: Workspace, receiver: RecordingServer) -> None:
    receiver.reply(422)
    journey = published(demo, webhook_journey(receiver.url, failed_port=True))
    enrollment = enroll(journey, person(demo, "dan"), NOW)
    assert isinstance(enrollment, Enrollment)
    tick(NOW)
    message = Message.objects.get(channel="webhook")
    assert (message.status, message.reason, message.attempts) == (
        "failed",
        "content_rejected: HTTP 422",
        1,
    )
    enrollment.refresh_from_db()
    assert ports_taken(enrollment)[-2:] == [("hook", "failed"), ("gave_up", "")]


def test_without_a_failed_port_the_enrollment_moves_on_once_the_call_is_queued(
    demo: Workspace, receiver: RecordingServer
) -> None:
    receiver.reply(500)
    journey = published(demo, webhook_journey(receiver.url, failed_port=False))
    enrollment = enroll(journey, person(demo, "eve"), NOW)
    assert isinstance(enrollment, Enrollment)
    tick(NOW)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert Message.objects.get(channel="webhook").status == MessageStatus.PENDING  # to retry


def test_an_unreachable_receiver_is_a_transient_failure(demo: Workspace) -> None:
    with recording_server() as gone:
        url = gone.url  # the port is closed once the server stops
    journey = published(demo, webhook_journey(url, failed_port=True))
    enroll(journey, person(demo, "fay"), NOW)
    tick(NOW)
    message = Message.objects.get(channel="webhook")
    assert message.status == MessageStatus.PENDING
    assert message.reason.startswith("retrying after transient: ConnectError")


def test_a_webhook_to_the_cloud_metadata_address_is_refused_without_a_call(
    demo: Workspace,
) -> None:
    """A marketer's URL must not reach where a cloud instance serves its credentials."""
    journey = published(demo, webhook_journey("http://169.254.169.254", failed_port=True))
    enrollment = enroll(journey, person(demo, "gus"), NOW)
    assert isinstance(enrollment, Enrollment)
    tick(NOW)
    message = Message.objects.get(channel="webhook")
    assert message.status == MessageStatus.FAILED
    blocked = "config: the URL's host is a blocked address (169.254.169.254)"
    assert message.reason.startswith(blocked)
    enrollment.refresh_from_db()
    assert ports_taken(enrollment)[-2:] == [("hook", "failed"), ("gave_up", "")]


def test_a_host_name_resolving_into_a_blocked_network_is_refused(
    demo: Workspace, receiver: RecordingServer
) -> None:
    """Names are resolved before the call: "localhost" is refused once loopback is blocked,
    and the receiver listening there hears nothing."""
    url = receiver.url.replace("127.0.0.1", "localhost")
    journey = published(demo, webhook_journey(url, failed_port=True))
    enroll(journey, person(demo, "hal"), NOW)
    with override_settings(TOUCHFLOW={"WEBHOOK_BLOCKED_NETWORKS": ["127.0.0.0/8", "::1/128"]}):
        tick(NOW)
    message = Message.objects.get(channel="webhook")
    assert (message.status, message.reason.split(" (")[0]) == (
        "failed",
        "config: the URL's host is a blocked address",
    )
    assert receiver.requests == []


def send_journey(
    *, failed_port: bool, title: str = "Hi {{ contact.first_name }}"
) -> JourneyBuilder:
    builder = (
        JourneyBuilder()
        .entry()
        .node(
            "push1",
            "send",
            {"channel": "push", "account": "push-main", "params": {"title": title, "body": "b"}},
        )
        .exit("done")
        .chain("start", "push1", "done")
    )
    if failed_port:
        builder.exit("fallback").edge("push1", "fallback", "failed")
    return builder


def test_a_send_with_a_failed_port_waits_for_the_outcome(demo: Workspace) -> None:
    journey = published(demo, send_journey(failed_port=True))
    has_token = person(demo, "gus", push_tokens=[{"provider": "sandbox", "token": "t"}])
    no_token = person(demo, "hal")
    enrollments = [enroll(journey, who, NOW) for who in (has_token, no_token)]
    run_due(NOW)  # the walker alone: messages written, nobody dispatched yet
    for enrollment in enrollments:
        assert isinstance(enrollment, Enrollment)
        enrollment.refresh_from_db()
        assert (enrollment.status, enrollment.node_id) == (EnrollmentStatus.WAITING, "push1")
        assert enrollment.wake_at == NOW + RECHECK_AFTER
    tick(NOW)  # dispatch settles both and wakes them at once, within the same tick
    outcomes = {}
    for enrollment in enrollments:
        assert isinstance(enrollment, Enrollment)
        enrollment.refresh_from_db()
        outcomes[enrollment.contact.external_id] = ports_taken(enrollment)[-2]
    # A skip by policy (no address) keeps its reason and takes `next`, as the contract says.
    assert outcomes == {"gus": ("push1", "next"), "hal": ("push1", "next")}
    assert Message.objects.get(contact=no_token).reason == "no_address"


def test_a_message_that_fails_to_render_takes_the_failed_port(demo: Workspace) -> None:
    journey = published(demo, send_journey(failed_port=True, title="{{ 1 / 0 }}"))
    enrollment = enroll(journey, person(demo, "ivy"), NOW)
    assert isinstance(enrollment, Enrollment)
    tick(NOW)
    enrollment.refresh_from_db()
    assert ports_taken(enrollment)[-2:] == [("push1", "failed"), ("fallback", "")]
    assert Message.objects.get().status == MessageStatus.FAILED


def test_a_lost_wake_is_recovered_by_the_recheck(demo: Workspace) -> None:
    journey = published(demo, send_journey(failed_port=True))
    enrollment = enroll(
        journey, person(demo, "jon", push_tokens=[{"provider": "sandbox", "token": "t"}]), NOW
    )
    assert isinstance(enrollment, Enrollment)
    run_due(NOW)
    # The outcome is recorded while the wake cannot land (as if a walker held the row).
    Message.objects.update(status=MessageStatus.SENT, sent_at=NOW)
    tick(NOW + RECHECK_AFTER - timedelta(seconds=1))
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WAITING
    tick(NOW + RECHECK_AFTER)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_a_message_claimed_again_after_a_dead_dispatcher_keeps_its_mark(demo: Workspace) -> None:
    journey = published(demo, send_journey(failed_port=False))
    enroll(journey, person(demo, "kim", push_tokens=[{"provider": "sandbox", "token": "t"}]), NOW)
    run_due(NOW)
    claim_messages(NOW, limit=10)  # ... and that dispatcher dies
    report = dispatch_due(NOW + SEND_LEASE)
    assert report.possible_duplicates == 1
    message = Message.objects.get()
    assert (message.status, message.reason, message.attempts) == ("sent", POSSIBLE_DUPLICATE, 2)


def test_a_possible_duplicate_stays_marked_and_counted_once_through_a_retry(
    demo: Workspace, receiver: RecordingServer
) -> None:
    """Regression: a reclaimed item that then failed transiently lost its mark (its reason
    became "retrying after …", then empty once sent), and a held one was counted again at
    every later claim."""
    receiver.reply(503)
    journey = published(demo, webhook_journey(receiver.url, failed_port=False))
    enroll(journey, person(demo, "lee"), NOW)
    run_due(NOW)
    claim_messages(NOW, limit=10)  # ... and that dispatcher dies

    first = dispatch_due(NOW + SEND_LEASE)
    retrying = Message.objects.get(channel="webhook")
    assert retrying.reason == "retrying after transient: HTTP 503"
    assert retrying.next_attempt_at is not None
    second = dispatch_due(retrying.next_attempt_at)

    assert (first.possible_duplicates, second.possible_duplicates) == (1, 0)
    message = Message.objects.get(channel="webhook")
    assert (message.status, message.reason) == (MessageStatus.SENT, POSSIBLE_DUPLICATE)
    assert message.possible_duplicate
