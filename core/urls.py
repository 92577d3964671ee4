"""The URL root: admin, the REST API under /api/v1/, its OpenAPI document, probes, and the
tracking and unsubscribe links put in messages."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import views
from core.js_catalog import CanvasCatalog

api_v1 = [
    # journeys first: its `contacts/<id>/timeline/` must win over core's `contacts/<path>/`.
    path("", include("journeys.api.urls")),
    path("", include("core.api.urls")),
    path("", include("channels_plugins.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("journeys.canvas.urls")),
    # The canvas's translations: Django's JS catalog of the Touchflow apps' djangojs domain.
    path("jsi18n/", CanvasCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="openapi-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="api-docs"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("channels_plugins.tracking_urls")),
    path("hooks/", include("channels_plugins.receipt_hook")),
]
