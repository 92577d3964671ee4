"""Pages of the canvas, mounted at the site root by core.urls."""

from django.urls import path

from journeys.canvas import views

urlpatterns = [
    path("journeys/new/", views.new_journey, name="journey-new"),
    path("journeys/<int:pk>/canvas/", views.canvas, name="journey-canvas"),
]
