"""Message's contact and account keys lose their own indexes: `message_contact_sent` and
`message_contact_created` start with the contact, `message_receipt_lookup` with the account, so
every lookup by either (frequency caps, timelines, receipts, cascading deletes) still has an
index, and each message the walker writes updates two B-trees fewer.

The indexes are dropped by name rather than through AlterField: on SQLite, AlterField rebuilds
the whole table (twice here), which on a large outbox takes as long as the outbox is big. The
names are the ones Django gave them on both SQLite and PostgreSQL.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "channels_plugins_message_account_id_ddf09b90": "account_id",
    "channels_plugins_message_contact_id_fddcb977": "contact_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("channels_plugins", "0010_translatable_labels"),
        ("core", "0003_translatable_labels"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="account",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="messages",
                        to="channels_plugins.channelaccount",
                        verbose_name="account",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="contact",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="core.contact",
                        verbose_name="contact",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=(
                        f'CREATE INDEX "{name}" ON "channels_plugins_message" ("{column}")'
                    ),
                )
                for name, column in INDEXES.items()
            ],
        ),
    ]
