"""`GET /messages/` and `GET /enrollments/`: filtered, paginated reads (JOURNEY_FORMAT.md §2)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from channels_plugins.models import Message
from core.api.base import WorkspaceScopedMixin
from journeys.models import Enrollment


class MessageSerializer(serializers.ModelSerializer[Message]):
    contact = serializers.CharField(source="contact.external_id", read_only=True)
    account = serializers.CharField(source="account.name", read_only=True, allow_null=True)
    journey = serializers.IntegerField(source="journey_id", read_only=True, allow_null=True)
    node = serializers.CharField(source="node_id", read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "contact",
            "channel",
            "account",
            "journey",
            "node",
            "status",
            "reason",
            "content",
            "attempts",
            "possible_duplicate",
            "created_at",
            "sent_at",
        ]


class EnrollmentSerializer(serializers.ModelSerializer[Enrollment]):
    contact = serializers.CharField(source="contact.external_id", read_only=True)
    journey = serializers.IntegerField(source="journey_id", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    node = serializers.CharField(source="node_id", read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "contact",
            "journey",
            "version",
            "node",
            "status",
            "entered_at",
            "finished_at",
            "converted_at",
            "error",
        ]


INTEGER_PARAMS = frozenset({"journey"})


def _filter(queryset: QuerySet[Any], params: Any, mapping: dict[str, str]) -> QuerySet[Any]:
    """Apply the query-string filters given; a malformed id is a 400, not a 500."""
    for param, lookup in mapping.items():
        value = params.get(param)
        if not value:
            continue
        if param in INTEGER_PARAMS and not value.isdigit():
            raise serializers.ValidationError({param: ["Expected a whole number."]})
        queryset = queryset.filter(**{lookup: value})
    return queryset


def _int_param(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, description=description)


def _str_param(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, description=description)


@extend_schema(
    parameters=[
        _str_param("contact", "A contact's external id."),
        _int_param("journey", "A journey id."),
        _str_param("node", "A node id."),
        _str_param("channel", "A channel name."),
        _str_param("status", "A message status."),
    ]
)
class MessageListView(WorkspaceScopedMixin, generics.ListAPIView[Message]):
    serializer_class = MessageSerializer

    def get_queryset(self) -> QuerySet[Message]:
        queryset = self.scoped(Message.objects.select_related("contact", "account"))
        return _filter(
            queryset,
            self.request.query_params,
            {
                "contact": "contact__external_id",
                "journey": "journey_id",
                "node": "node_id",
                "channel": "channel",
                "status": "status",
            },
        )


@extend_schema(
    parameters=[
        _int_param("journey", "A journey id."),
        _str_param("contact", "A contact's external id."),
        _str_param("status", "An enrollment status."),
    ]
)
class EnrollmentListView(WorkspaceScopedMixin, generics.ListAPIView[Enrollment]):
    serializer_class = EnrollmentSerializer

    def get_queryset(self) -> QuerySet[Enrollment]:
        queryset = self.scoped(Enrollment.objects.select_related("contact", "version"))
        return _filter(
            queryset,
            self.request.query_params,
            {"contact": "contact__external_id", "journey": "journey_id", "status": "status"},
        )
