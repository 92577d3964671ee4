"""REST routes of channels, mounted under /api/v1/ by core.urls."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from channels_plugins.api.views import ChannelAccountViewSet, ChannelCatalogView

router = SimpleRouter()
router.register("channel-accounts", ChannelAccountViewSet, basename="channel-account")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("channels/", ChannelCatalogView.as_view(), name="channels"),
]
