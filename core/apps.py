from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Touchflow core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import checks  # noqa: F401  (registers the system checks)
        from core.api import schema  # noqa: F401  (registers OpenAPI auth extensions)
        from core.memory import freeze_startup_objects

        # Every app's models and modules are imported before any ready() runs.
        freeze_startup_objects()
