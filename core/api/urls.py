"""REST routes of the shared domain, mounted under /api/v1/ by core.urls."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from core.api.apikeys import ApiKeyViewSet
from core.api.catalog import CatalogView
from core.api.contacts import ContactBulkView, ContactDetailView, ContactListView
from core.api.events import EventListView
from core.api.ingest import BatchView, IdentifyView, TrackView
from core.api.segments import SegmentViewSet

router = SimpleRouter()
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("segments", SegmentViewSet, basename="segment")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("contacts/", ContactListView.as_view(), name="contacts"),
    path("contacts/bulk/", ContactBulkView.as_view(), name="contacts-bulk"),
    # External ids are the caller's and may hold any character, '/' included.
    path("contacts/<path:external_id>/", ContactDetailView.as_view(), name="contact-detail"),
    path("track/", TrackView.as_view(), name="track"),
    path("identify/", IdentifyView.as_view(), name="identify"),
    path("batch/", BatchView.as_view(), name="batch"),
    path("events/", EventListView.as_view(), name="events"),
    path("catalog/", CatalogView.as_view(), name="catalog"),
]
