from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = "Journeys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.signals import event_recorded
        from journeys.engine.triggers import enroll_on_event
        from journeys.engine.wake import wake_on_event

        event_recorded.connect(enroll_on_event, dispatch_uid="journeys.enroll_on_event")
        event_recorded.connect(wake_on_event, dispatch_uid="journeys.wake_on_event")
