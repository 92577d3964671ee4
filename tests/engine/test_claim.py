"""Claiming due enrollments under a lease (single process; the concurrent proof is slow-tier)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.models import Workspace
from journeys.engine.claim import claim_due, release
from journeys.models import Enrollment, EnrollmentStatus
from tests.engine.factories import enrollments, published_version

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_claims_only_due_unleased_live_enrollments(workspace: Workspace) -> None:
    version = published_version(workspace)
    due = enrollments(version, 3, wake_at=NOW - timedelta(minutes=1), entered_at=NOW)
    enrollments(version, 2, wake_at=NOW + timedelta(seconds=1), entered_at=NOW)  # not yet
    enrollments(version, 2, wake_at=None, status=EnrollmentStatus.WAITING, entered_at=NOW)
    enrollments(version, 2, wake_at=NOW, status=EnrollmentStatus.COMPLETED, entered_at=NOW)
    claim = claim_due(NOW, limit=100)
    assert claim.ids == sorted(e.pk for e in due)
    leased = Enrollment.objects.filter(pk__in=claim.ids)
    assert {(e.lease_token, e.lease_until) for e in leased} == {(claim.token, claim.lease_until)}
    assert claim_due(NOW, limit=100).ids == []  # held by the first claim


def test_limit_takes_the_earliest_first(workspace: Workspace) -> None:
    version = published_version(workspace)
    late = enrollments(version, 2, wake_at=NOW - timedelta(minutes=1), entered_at=NOW)
    early = enrollments(version, 2, wake_at=NOW - timedelta(hours=1), entered_at=NOW)
    assert claim_due(NOW, limit=2).ids == sorted(e.pk for e in early)
    assert claim_due(NOW, limit=2).ids == sorted(e.pk for e in late)


def test_an_expired_lease_is_taken_over_with_a_new_token(workspace: Workspace) -> None:
    version = published_version(workspace)
    enrollments(version, 1, wake_at=NOW, entered_at=NOW)
    first = claim_due(NOW, limit=10, lease=timedelta(minutes=5))
    assert claim_due(NOW + timedelta(minutes=4), limit=10).ids == []
    second = claim_due(NOW + timedelta(minutes=5), limit=10)
    assert second.ids == first.ids
    assert second.token != first.token
    assert release(first) == 0  # the stale holder can no longer touch it
    assert release(second) == 1
    assert claim_due(NOW, limit=10).ids == first.ids
