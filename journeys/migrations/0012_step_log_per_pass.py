"""The step log is stored one row per walker pass (PassLog) and read one row per visit through
a view with StepLog's name and columns, so its readers are unchanged.

A pass makes three or four visits on a typical journey; writing a row per visit, with its two
index entries, was the walker's largest cost. Existing steps move over as one-visit passes.

The view unnests each pass's `visits` JSON list with the backend's own table function:
`json_each` on SQLite, `jsonb_array_elements … WITH ORDINALITY` on PostgreSQL. A step's id is
its pass's id * 64 (PASS_VISITS_MAX) plus its index in the pass.
"""

import django.db.models.deletion
from django.core.management.color import no_style
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.utils import NotSupportedError

VIEW = {
    "sqlite": """
        CREATE VIEW "journeys_steplog" AS
        SELECT p."id" * 64 + v."key" AS "id",
               p."enrollment_id" AS "enrollment_id",
               v."value" ->> 0 AS "node_id",
               p."first_visit" + v."key" AS "visit",
               v."value" ->> 1 AS "port",
               p."at" AS "at",
               coalesce(v."value" -> 2, '{}') AS "detail"
        FROM "journeys_passlog" p, json_each(p."visits") v
    """,
    "postgresql": """
        CREATE VIEW "journeys_steplog" AS
        SELECT p."id" * 64 + (v.i - 1) AS "id",
               p."enrollment_id" AS "enrollment_id",
               v.value ->> 0 AS "node_id",
               p."first_visit" + (v.i - 1)::integer AS "visit",
               v.value ->> 1 AS "port",
               p."at" AS "at",
               coalesce(v.value -> 2, '{}'::jsonb) AS "detail"
        FROM "journeys_passlog" p
        CROSS JOIN LATERAL jsonb_array_elements(p."visits") WITH ORDINALITY AS v(value, i)
    """,
}


def create_view(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in VIEW:
        raise NotSupportedError(
            f"The step log view is written for SQLite and PostgreSQL, not {vendor}."
        )
    schema_editor.execute(VIEW[vendor])


def drop_view(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute('DROP VIEW IF EXISTS "journeys_steplog"')


def steps_to_passes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Each existing step becomes a pass of one visit, keeping its id (ids stay unique)."""
    old, new = apps.get_model("journeys", "OldStepLog"), apps.get_model("journeys", "PassLog")
    db = schema_editor.connection.alias
    batch: list[models.Model] = []
    for step in old.objects.using(db).order_by("pk").iterator(chunk_size=2_000):
        visit = [step.node_id, step.port, step.detail] if step.detail else [step.node_id, step.port]
        batch.append(
            new(
                pk=step.pk,
                enrollment_id=step.enrollment_id,
                first_visit=step.visit,
                at=step.at,
                visits=[visit],
            )
        )
        if len(batch) == 2_000:
            new.objects.using(db).bulk_create(batch)
            batch = []
    new.objects.using(db).bulk_create(batch)
    _restart_sequence(schema_editor, new)


def passes_to_steps(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    old, new = apps.get_model("journeys", "OldStepLog"), apps.get_model("journeys", "PassLog")
    db = schema_editor.connection.alias
    batch: list[models.Model] = []
    for row in new.objects.using(db).order_by("pk").iterator(chunk_size=2_000):
        for index, (node_id, port, *detail) in enumerate(row.visits):
            batch.append(
                old(
                    enrollment_id=row.enrollment_id,
                    node_id=node_id,
                    visit=row.first_visit + index,
                    port=port,
                    at=row.at,
                    detail=detail[0] if detail else {},
                )
            )
        if len(batch) >= 2_000:
            old.objects.using(db).bulk_create(batch)
            batch = []
    old.objects.using(db).bulk_create(batch)


def _restart_sequence(schema_editor: BaseDatabaseSchemaEditor, model: type[models.Model]) -> None:
    """Passes inserted with explicit ids: PostgreSQL's sequence must start after them."""
    connection = schema_editor.connection
    for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
        schema_editor.execute(sql)


STEP_FIELDS = [
    ("node_id", models.CharField(max_length=200, verbose_name="node id")),
    ("visit", models.PositiveIntegerField(verbose_name="visit")),
    ("port", models.CharField(blank=True, max_length=100, verbose_name="port")),
    ("at", models.DateTimeField(verbose_name="at")),
    ("detail", models.JSONField(blank=True, default=dict, verbose_name="detail")),
]


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0011_steplog_no_enrollment_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="PassLog",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("first_visit", models.PositiveIntegerField(verbose_name="first visit")),
                ("at", models.DateTimeField(verbose_name="at")),
                ("visits", models.JSONField(verbose_name="visits")),
                (
                    "enrollment",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="passes",
                        to="journeys.enrollment",
                        verbose_name="enrollment",
                    ),
                ),
            ],
            options={
                "verbose_name": "walker pass",
                "verbose_name_plural": "walker passes",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("enrollment", "first_visit"), name="passlog_one_row_per_pass"
                    )
                ],
            },
        ),
        # The old table under a name of its own, so the copy can read it and then drop it.
        migrations.AlterModelTable("StepLog", "journeys_steplog"),
        migrations.RenameModel("StepLog", "OldStepLog"),
        migrations.RunPython(steps_to_passes, passes_to_steps),
        migrations.DeleteModel("OldStepLog"),
        migrations.CreateModel(
            name="StepLog",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                (
                    "enrollment",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="steps",
                        to="journeys.enrollment",
                        verbose_name="enrollment",
                    ),
                ),
                *STEP_FIELDS,
            ],
            options={
                "verbose_name": "step log",
                "verbose_name_plural": "step logs",
                "db_table": "journeys_steplog",
                "managed": False,
            },
        ),
        migrations.RunPython(create_view, drop_view),
    ]
