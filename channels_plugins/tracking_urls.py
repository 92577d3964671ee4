"""Tracking and unsubscribe links, at the root of TOUCHFLOW_PUBLIC_URL (outside /api/)."""

from django.urls import path

from channels_plugins import tracking_views

urlpatterns = [
    path("t/c/<str:token>/", tracking_views.click, name="tracking-click"),
    path("t/o/<str:token>.gif", tracking_views.open_pixel, name="tracking-open"),
    path("u/<str:token>/", tracking_views.unsubscribe, name="unsubscribe"),
]
