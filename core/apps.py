from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Touchflow core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import checks  # noqa: F401  (registers the system checks)
        from core.api import schema  # noqa: F401  (registers OpenAPI auth extensions)
