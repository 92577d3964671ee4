"""Running migrations forwards and back in a test, and rows made with a migration's models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

Targets = list[tuple[str, str]]


def migrate_to(targets: Targets) -> StateApps:
    """Migrate the test database to `targets`; the models as they are there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@contextmanager
def schema_at(targets: Targets) -> Iterator[StateApps]:
    """The schema as it was at `targets` for the length of the block (its models given), the
    latest schema again afterwards. Needs `transactional_db`: migrations are not rolled back."""
    newest = list(MigrationExecutor(connection).loader.graph.leaf_nodes())
    try:
        yield migrate_to(targets)
    finally:
        migrate_to(newest)


def an_enrollment(apps: StateApps, at: datetime) -> tuple[int, int]:
    """A workspace, contact, journey, version and enrollment made with `apps`' models: the
    enrollment's and its version's ids."""
    workspace = apps.get_model("core", "Workspace").objects.create(name="w", slug="w")
    contact = apps.get_model("core", "Contact").objects.create(
        workspace=workspace, external_id="c1", created_at=at, updated_at=at
    )
    journey = apps.get_model("journeys", "Journey").objects.create(workspace=workspace, name="j")
    version = apps.get_model("journeys", "JourneyVersion").objects.create(
        journey=journey, number=1, definition={}, checksum="x", schema_version=1, published_at=at
    )
    enrollment = apps.get_model("journeys", "Enrollment").objects.create(
        workspace=workspace,
        journey=journey,
        version=version,
        contact=contact,
        node_id="done",
        entered_at=at,
    )
    return int(enrollment.pk), int(version.pk)
