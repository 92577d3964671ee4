from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsPluginsConfig(AppConfig):
    name = "channels_plugins"
    label = "channels_plugins"
    verbose_name = _("Channels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register
        from django.core.signals import setting_changed

        from channels_plugins.checks import check_plugins
        from channels_plugins.engagement import record_engagement
        from core.signals import event_recorded

        register(check_plugins)
        setting_changed.connect(_reload_plugins, dispatch_uid="channels.reload_plugins")
        event_recorded.connect(record_engagement, dispatch_uid="channels.record_engagement")


def _reload_plugins(*, setting: str, **kwargs: Any) -> None:
    """`override_settings(TOUCHFLOW=…)` may change which plugins load: rebuild on next use."""
    if setting == "TOUCHFLOW":
        from channels_plugins.registry import reset_registry

        reset_registry()
