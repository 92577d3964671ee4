from django.apps import AppConfig


class ChannelsPluginsConfig(AppConfig):
    name = "channels_plugins"
    label = "channels_plugins"
    verbose_name = "Channels"
    default_auto_field = "django.db.models.BigAutoField"
