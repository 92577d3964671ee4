"""`GET /events/`: a workspace's events, newest first, filtered by contact and name."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from core.api.base import WorkspaceScopedMixin
from core.models import Event


class EventSerializer(serializers.ModelSerializer[Event]):
    contact = serializers.CharField(source="contact.external_id", read_only=True)

    class Meta:
        model = Event
        fields = ["id", "contact", "name", "properties", "occurred_at", "received_at"]


@extend_schema(
    parameters=[
        OpenApiParameter("contact", OpenApiTypes.STR, description="A contact's external id."),
        OpenApiParameter("name", OpenApiTypes.STR, description="An event name."),
    ]
)
class EventListView(WorkspaceScopedMixin, generics.ListAPIView[Event]):
    serializer_class = EventSerializer

    def get_queryset(self) -> QuerySet[Event]:
        queryset = self.scoped(Event.objects.select_related("contact"))
        params: Any = self.request.query_params
        if params.get("contact"):
            queryset = queryset.filter(contact__external_id=params["contact"])
        if params.get("name"):
            queryset = queryset.filter(name=params["name"])
        return queryset
