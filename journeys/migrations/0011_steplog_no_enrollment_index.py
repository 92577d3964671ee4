"""StepLog's enrollment key loses its own index: the unique (enrollment, visit) key and
`steplog_enrollment_node` both start with it, so every lookup by enrollment (a timeline, a
cascading delete) still has an index, and each step's insert updates one B-tree fewer.

The index is dropped by name rather than through AlterField: on SQLite, AlterField rebuilds the
whole table, which on a large step log takes as long as the log is big. The name is the one
Django gave it on both SQLite and PostgreSQL.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "journeys_steplog_enrollment_id_99c075bd"


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0010_translatable_labels"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="steplog",
                    name="enrollment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="steps",
                        to="journeys.enrollment",
                        verbose_name="enrollment",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "journeys_steplog" ("enrollment_id")',
                ),
            ],
        ),
    ]
