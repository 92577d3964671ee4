"""Migration 0012 moves the step log to one row per pass: steps logged before it read back
through the StepLog view unchanged, and migrating back restores them as rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.db.migrations.state import StateApps

from tests.support.migrations import an_enrollment, migrate_to, schema_at

BEFORE = [("journeys", "0011_steplog_no_enrollment_index")]
AFTER = [("journeys", "0012_step_log_per_pass")]
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def at_0011(transactional_db: None) -> Iterator[StateApps]:
    """The schema as it was before 0012; the latest schema again afterwards."""
    with schema_at(BEFORE) as apps:
        yield apps


STEPS = [("start", 1, "next", {}), ("ab", 2, "B", {"variant": "B"}), ("done", 3, "", {})]


def test_steps_logged_before_read_back_the_same(at_0011: StateApps) -> None:
    enrollment_id, _ = an_enrollment(at_0011, AT)
    old = at_0011.get_model("journeys", "StepLog")
    for node_id, visit, port, detail in STEPS:
        old.objects.create(
            enrollment_id=enrollment_id,
            node_id=node_id,
            visit=visit,
            port=port,
            at=AT,
            detail=detail,
        )

    apps = migrate_to(AFTER)
    steps = apps.get_model("journeys", "StepLog").objects.order_by("visit")
    assert [(s.node_id, s.visit, s.port, s.detail, s.at) for s in steps] == [
        (*step, AT) for step in STEPS
    ]
    passes = apps.get_model("journeys", "PassLog")
    assert passes.objects.count() == len(STEPS)
    # The moved passes kept their ids: new ones must be numbered after them.
    passes.objects.create(enrollment_id=enrollment_id, first_visit=4, at=AT, visits=[["x", ""]])

    back = migrate_to(BEFORE)
    rows = back.get_model("journeys", "StepLog").objects.order_by("visit")
    assert [(s.node_id, s.visit, s.port, s.detail) for s in rows] == [*STEPS, ("x", 4, "", {})]
