"""Messages drop `message_contact_created`: `message_contact_sent` starts with the contact too.

The timeline and cascading contact deletes read a contact's messages through that prefix (the
timeline sorts the one contact's messages by time), so the index only cost each message written.
Dropped by name, so SQLite does not rebuild the table.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("channels_plugins", "0011_message_no_duplicate_key_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="message", name="message_contact_created"),
    ]
