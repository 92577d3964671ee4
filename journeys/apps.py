from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = _("Journeys")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from channels_plugins.dispatch import outbox_settled
        from core.signals import contact_changed, event_recorded
        from journeys.engine.outcomes import apply_goals_and_exits
        from journeys.engine.triggers import enroll_on_change, enroll_on_event
        from journeys.engine.wake import wake_on_event, wake_on_outcome

        outbox_settled.connect(wake_on_outcome, dispatch_uid="journeys.wake_on_outcome")

        # Wake first (a wait_event for the goal event takes `received`), then goals and exits,
        # then entries (a new enrollment is not ended by the event that started it).
        event_recorded.connect(wake_on_event, dispatch_uid="journeys.wake_on_event")
        event_recorded.connect(apply_goals_and_exits, dispatch_uid="journeys.goals_and_exits")
        event_recorded.connect(enroll_on_event, dispatch_uid="journeys.enroll_on_event")
        contact_changed.connect(enroll_on_change, dispatch_uid="journeys.enroll_on_change")
