"""Visits are counted per (version, node, port) as the walker logs them, for the stats (see
NodeVisitCount); the visits logged before are counted once here."""

import django.db.models.deletion
from django.db import migrations, models


# The visits logged before this migration, counted once, so the stats give the same figures
# after it. Portable SQL: the StepLog view unnests the passes on SQLite and PostgreSQL alike.
BACKFILL = """
INSERT INTO journeys_nodevisitcount (version_id, node_id, port, shard, visits)
SELECT e.version_id, s.node_id, s.port, 0, COUNT(*)
FROM journeys_steplog s JOIN journeys_enrollment e ON e.id = s.enrollment_id
GROUP BY e.version_id, s.node_id, s.port
"""


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0012_step_log_per_pass"),
    ]

    operations = [
        migrations.CreateModel(
            name="NodeVisitCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("node_id", models.CharField(max_length=200, verbose_name="node id")),
                ("port", models.CharField(blank=True, max_length=200, verbose_name="port")),
                ("shard", models.PositiveSmallIntegerField(verbose_name="shard")),
                ("visits", models.PositiveBigIntegerField(default=0, verbose_name="visits")),
                (
                    "version",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="journeys.journeyversion",
                        verbose_name="version",
                    ),
                ),
            ],
            options={
                "verbose_name": "node visit count",
                "verbose_name_plural": "node visit counts",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("version", "node_id", "port", "shard"), name="node_visit_count_key"
                    )
                ],
            },
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
