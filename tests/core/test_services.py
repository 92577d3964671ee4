"""The services' own promises: what the signals announce, bulk retries, counts as of `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, transaction

from core.models import Contact, Event, Workspace
from core.services import contacts as contact_services
from core.services.events import identify, record_event, track
from core.services.segments import create_segment, preview_segment
from core.signals import event_recorded

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_identify_announces_a_new_contact_as_created(
    workspace: Workspace, changes: list[tuple[str, bool]]
) -> None:
    _, created = identify(workspace, user_id="u1", changes={"attributes": {"plan": "gold"}})
    assert created
    _, created = identify(workspace, user_id="u1", changes={"first_name": "Ann"})
    assert not created
    assert changes == [("u1", True), ("u1", False)]
    contact = Contact.objects.get(workspace=workspace, external_id="u1")
    assert (contact.first_name, contact.attributes) == ("Ann", {"plan": "gold"})


def test_track_announces_the_contact_it_creates_once(
    workspace: Workspace, changes: list[tuple[str, bool]]
) -> None:
    track(workspace, user_id="u1", event="a")
    track(workspace, user_id="u1", event="b")
    assert changes == [("u1", True)]


def test_event_recorded_is_sent_inside_the_transaction_after_the_row_exists(
    workspace: Workspace,
) -> None:
    calls: list[tuple[Workspace, int, bool]] = []

    def receiver(sender: Any, workspace: Workspace, event: Event, **_: Any) -> None:
        stored = Event.objects.filter(pk=event.pk).exists()
        calls.append((workspace, event.pk, stored and transaction.get_connection().in_atomic_block))

    event_recorded.connect(receiver, dispatch_uid="tests.core.recorded")
    try:
        contact = contact_services.upsert_contact(workspace, {"external_id": "u1"})[0]
        first = record_event(workspace, contact, name="a", source_id="m-1")
        again = record_event(workspace, contact, name="a", source_id="m-1")
    finally:
        event_recorded.disconnect(dispatch_uid="tests.core.recorded")
    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.event.pk == first.event.pk
    assert calls == [(workspace, first.event.pk, True)]


def test_bulk_upsert_retries_once_when_another_writer_created_a_contact(
    workspace: Workspace, changes: list[tuple[str, bool]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unique constraint refusing the insert (another request created one of the contacts
    between our read and our insert) rolls the attempt back and runs it again."""
    original = Contact.objects.bulk_create
    attempts: list[int] = []

    def racing_bulk_create(objs: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append(len(objs))
        if len(attempts) == 1:
            raise IntegrityError("UNIQUE constraint failed: core_contact.external_id")
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(Contact.objects, "bulk_create", racing_bulk_create)
    contact_services.upsert_contact(workspace, {"external_id": "old"})
    changes.clear()
    created = contact_services.bulk_upsert(
        workspace,
        [{"external_id": "new", "tags": ["a"]}, {"external_id": "old", "tags": ["b"]}],
    )
    assert created == {"new": True, "old": False}
    assert attempts == [1, 1]
    assert dict(Contact.objects.values_list("external_id", "tags")) == {
        "new": ["a"],
        "old": ["b"],
    }
    assert sorted(changes) == [("new", True), ("old", False)]  # the failed attempt said nothing


def test_updates_merge_into_the_stored_row_not_a_copy_read_earlier(workspace: Workspace) -> None:
    """Regression: a PATCH (and an upsert) merged attributes into the contact it had read, so
    a change stored in between (another request, a journey's update_contact) was lost."""
    contact, _ = contact_services.upsert_contact(
        workspace, {"external_id": "u1", "attributes": {"plan": "free"}}
    )
    earlier = Contact.objects.get(pk=contact.pk)
    Contact.objects.filter(pk=contact.pk).update(
        attributes={"plan": "free", "stage": "welcomed"}, tags=["welcomed"]
    )
    updated = contact_services.update_contact(earlier, {"attributes": {"plan": "gold"}})
    assert updated.attributes == {"plan": "gold", "stage": "welcomed"}
    assert updated.tags == ["welcomed"]
    contact.refresh_from_db()
    assert (contact.attributes, contact.tags) == (updated.attributes, ["welcomed"])


def test_counts_are_as_of_now_even_for_all_time_leaves(workspace: Workspace) -> None:
    """silent_30d: an app_opened stamped in the future (a client clock running ahead) has not
    happened yet, so it neither makes the contact "opened before" nor "opened lately"."""
    with time_machine.travel(NOW, tick=False):
        segment = create_segment(
            workspace,
            key="silent_30d",
            rule={
                "all": [{"event": "app_opened"}, {"not": {"event": "app_opened", "within": "P30D"}}]
            },
        )
        track(workspace, user_id="silent", event="app_opened", timestamp=NOW - timedelta(days=40))
        track(workspace, user_id="ahead", event="app_opened", timestamp=NOW + timedelta(hours=1))
        result = preview_segment(segment)
        assert (result.count, [c.external_id for c in result.sample]) == (1, ["silent"])
        later = preview_segment(segment, now=NOW + timedelta(days=31, hours=2))
        assert {c.external_id for c in later.sample} == {"silent", "ahead"}


def test_unsubscribing_keeps_the_first_moment_and_announces_it_once(
    workspace: Workspace, changes: list[tuple[str, bool]]
) -> None:
    contact = contact_services.ensure_contact(workspace, "u1")
    changes.clear()
    later = NOW + timedelta(days=1)

    assert contact_services.unsubscribe_channel(contact, "email", NOW)
    assert not contact_services.unsubscribe_channel(contact, "email", later)
    assert contact_services.unsubscribe_channel(contact, "sms", later)

    stored = Contact.objects.get(pk=contact.pk).unsubscribed
    assert stored == {"email": NOW.isoformat(), "sms": later.isoformat()}
    assert changes == [("u1", False), ("u1", False)]
