"""REST routes of journeys, mounted under /api/v1/ by core.urls."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from journeys.api.node_types import NodeTypesView
from journeys.api.preview import JourneyPreviewView
from journeys.api.reads import EnrollmentListView, MessageListView
from journeys.api.simulations import SimulateView, SimulationDetailView
from journeys.api.stats import JourneyStatsView
from journeys.api.timeline import ContactTimelineView
from journeys.api.views import JourneyViewSet

router = SimpleRouter()
router.register("journeys", JourneyViewSet, basename="journey")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("journeys/<int:pk>/stats/", JourneyStatsView.as_view(), name="journey-stats"),
    path("node-types/", NodeTypesView.as_view(), name="node-types"),
    path("messages/", MessageListView.as_view(), name="messages"),
    path("enrollments/", EnrollmentListView.as_view(), name="enrollments"),
    path(
        "contacts/<path:external_id>/timeline/",
        ContactTimelineView.as_view(),
        name="contact-timeline",
    ),
    path("journeys/<int:pk>/preview/", JourneyPreviewView.as_view(), name="journey-preview"),
    path("journeys/<int:pk>/simulate/", SimulateView.as_view(), name="journey-simulate"),
    path("simulations/<int:pk>/", SimulationDetailView.as_view(), name="simulation-detail"),
]
