from django.apps import AppConfig


class ChannelsPluginsConfig(AppConfig):
    name = "channels_plugins"
    label = "channels_plugins"
    verbose_name = "Channels"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from channels_plugins import checks  # noqa: F401  (registers the system checks)
        from channels_plugins.engagement import record_engagement
        from core.signals import event_recorded

        event_recorded.connect(record_engagement, dispatch_uid="channels.record_engagement")
