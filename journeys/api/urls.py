"""REST routes of this app, mounted under /api/v1/ by core.urls."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
