"""The walker's plain-SQL batch load reads what the ORM would read, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.models import Contact, Workspace
from core.rules.evaluation import BUILTIN_FIELDS
from journeys.engine.batch import EnrollmentState, load
from journeys.engine.claim import claim_due, release
from journeys.models import Enrollment
from tests.engine.factories import enrollments, published_version

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def as_orm_reads(enrollment: Enrollment) -> tuple[object, ...]:
    contact: Contact = enrollment.contact
    return (
        enrollment.pk,
        enrollment.journey_id,
        enrollment.version_id,
        enrollment.workspace_id,
        enrollment.node_id,
        enrollment.status,
        enrollment.visit,
        enrollment.context,
        contact.pk,
        contact.workspace_id,
        contact.external_id,
        contact.attributes,
        contact.tags,
        {name: getattr(contact, name) for name in sorted(BUILTIN_FIELDS)},
    )


def as_loaded(state: EnrollmentState) -> tuple[object, ...]:
    contact = state.contact
    return (
        state.pk,
        state.journey_id,
        state.version_id,
        state.workspace_id,
        state.node_id,
        state.status,
        state.visit,
        state.context,
        contact.pk,
        contact.workspace_id,
        contact.external_id,
        contact.attributes,
        contact.tags,
        contact.fields,
    )


def test_load_reads_what_the_orm_reads(other_workspace: Workspace) -> None:
    version = published_version(other_workspace)
    made = enrollments(version, 3, wake_at=NOW, entered_at=NOW - timedelta(days=2))
    contact = made[0].contact
    contact.attributes = {"plan": "pro", "spend": 12.5, "nested": {"a": [1, None, "é"]}}
    contact.tags = ["vip", "beta"]
    contact.first_name, contact.email, contact.timezone = "Ana", "ana@example.com", "Europe/Berlin"
    contact.save()
    Enrollment.objects.filter(pk=made[1].pk).update(
        context={"arrived_at": NOW.isoformat(), "variants": {"ab": "B"}, "event": {"name": "x"}}
    )
    claim = claim_due(NOW, limit=10)
    release(claim, [made[2].pk])  # given back: no longer held under the claim's token
    loaded = [as_loaded(state) for state in sorted(load(claim), key=lambda state: state.pk)]
    expected = [
        as_orm_reads(Enrollment.objects.select_related("contact").get(pk=e.pk)) for e in made[:2]
    ]
    assert loaded == expected
