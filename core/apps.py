from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Touchflow core"
    default_auto_field = "django.db.models.BigAutoField"
