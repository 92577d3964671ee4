"""Migration 0013 counts the visits logged before it, so the stats read the same after it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.db.migrations.state import StateApps

from tests.support.migrations import an_enrollment, migrate_to, schema_at

BEFORE = [("journeys", "0012_step_log_per_pass")]
AFTER = [("journeys", "0013_node_visit_counts")]
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def at_0012(transactional_db: None) -> Iterator[StateApps]:
    with schema_at(BEFORE) as apps:
        yield apps


def test_visits_logged_before_are_counted(at_0012: StateApps) -> None:
    enrollment_id, version_id = an_enrollment(at_0012, AT)
    passes = at_0012.get_model("journeys", "PassLog")
    passes.objects.create(
        enrollment_id=enrollment_id,
        first_visit=1,
        at=AT,
        visits=[["start", "next"], ["ab", "B", {"variant": "B"}], ["push", "next"]],
    )
    passes.objects.create(
        enrollment_id=enrollment_id, first_visit=4, at=AT, visits=[["push", "next"], ["done", ""]]
    )

    apps = migrate_to(AFTER)
    counts = apps.get_model("journeys", "NodeVisitCount").objects.values_list(
        "version_id", "node_id", "port", "visits"
    )
    assert sorted(counts) == [
        (version_id, "ab", "B", 1),
        (version_id, "done", "", 1),
        (version_id, "push", "next", 2),
        (version_id, "start", "next", 1),
    ]
