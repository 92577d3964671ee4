"""Migration 0012 moves the step log to one row per pass: steps logged before it read back
through the StepLog view unchanged, and migrating back restores them as rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

BEFORE = [("journeys", "0011_steplog_no_enrollment_index")]
AFTER = [("journeys", "0012_step_log_per_pass")]
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _migrate(targets: list[tuple[str, str]]) -> StateApps:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0011(transactional_db: None) -> Iterator[StateApps]:
    """The schema as it was before 0012; the latest schema again afterwards."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        yield _migrate(BEFORE)
    finally:
        _migrate(latest)


def _enrollment(apps: StateApps) -> int:
    workspace = apps.get_model("core", "Workspace").objects.create(name="w", slug="w")
    contact = apps.get_model("core", "Contact").objects.create(
        workspace=workspace, external_id="c1", created_at=AT, updated_at=AT
    )
    journey = apps.get_model("journeys", "Journey").objects.create(workspace=workspace, name="j")
    version = apps.get_model("journeys", "JourneyVersion").objects.create(
        journey=journey, number=1, definition={}, checksum="x", schema_version=1, published_at=AT
    )
    enrollment = apps.get_model("journeys", "Enrollment").objects.create(
        workspace=workspace,
        journey=journey,
        version=version,
        contact=contact,
        node_id="done",
        entered_at=AT,
    )
    return int(enrollment.pk)


STEPS = [("start", 1, "next", {}), ("ab", 2, "B", {"variant": "B"}), ("done", 3, "", {})]


def test_steps_logged_before_read_back_the_same(at_0011: StateApps) -> None:
    enrollment_id = _enrollment(at_0011)
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

    apps = _migrate(AFTER)
    steps = apps.get_model("journeys", "StepLog").objects.order_by("visit")
    assert [(s.node_id, s.visit, s.port, s.detail, s.at) for s in steps] == [
        (*step, AT) for step in STEPS
    ]
    passes = apps.get_model("journeys", "PassLog")
    assert passes.objects.count() == len(STEPS)
    # The moved passes kept their ids: new ones must be numbered after them.
    passes.objects.create(enrollment_id=enrollment_id, first_visit=4, at=AT, visits=[["x", ""]])

    back = _migrate(BEFORE)
    rows = back.get_model("journeys", "StepLog").objects.order_by("visit")
    assert [(s.node_id, s.visit, s.port, s.detail) for s in rows] == [*STEPS, ("x", 4, "", {})]
