"""REST routes of the shared domain, mounted under /api/v1/ by core.urls."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from core.api.apikeys import ApiKeyViewSet

router = SimpleRouter()
router.register("api-keys", ApiKeyViewSet, basename="api-key")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
