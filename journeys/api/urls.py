"""REST routes of journeys, mounted under /api/v1/ by core.urls."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from journeys.api.node_types import NodeTypesView
from journeys.api.reads import EnrollmentListView, MessageListView
from journeys.api.simulations import SimulateView, SimulationDetailView
from journeys.api.views import JourneyViewSet

router = SimpleRouter()
router.register("journeys", JourneyViewSet, basename="journey")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("node-types/", NodeTypesView.as_view(), name="node-types"),
    path("messages/", MessageListView.as_view(), name="messages"),
    path("enrollments/", EnrollmentListView.as_view(), name="enrollments"),
    path("journeys/<int:pk>/simulate/", SimulateView.as_view(), name="journey-simulate"),
    path("simulations/<int:pk>/", SimulationDetailView.as_view(), name="simulation-detail"),
]
