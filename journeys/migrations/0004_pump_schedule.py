"""The django-q2 schedule that runs the journey pump every minute."""

from django.db import migrations

PUMP = "journeys.tasks.pump"


def create_schedule(apps, schema_editor):  # type: ignore[no-untyped-def]
    schedule = apps.get_model("django_q", "Schedule")
    schedule.objects.get_or_create(
        func=PUMP,
        defaults={"name": "touchflow-pump", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("django_q", "Schedule").objects.filter(func=PUMP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0003_enrollment_conversion"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
