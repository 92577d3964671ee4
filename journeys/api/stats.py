"""`GET /journeys/{id}/stats/`: per-version, per-node figures for the canvas."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import WorkspaceScopedMixin
from journeys.models import Journey
from journeys.stats import DEFINITIONS, journey_stats


class ConversionsSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    rate = serializers.FloatField(help_text="count / enrollments, rounded to 4 places; 0 if none.")


class NodeStatsSerializer(serializers.Serializer[Any]):
    entered = serializers.IntegerField()
    waiting = serializers.IntegerField()
    passed = serializers.IntegerField()
    ports = serializers.DictField(child=serializers.IntegerField())
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField()
    failed = serializers.IntegerField()
    skipped = serializers.IntegerField()
    converted = serializers.IntegerField()
    port_conversions = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text="Split nodes only."
    )


class VersionStatsSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    enrollments = serializers.IntegerField()
    conversions = ConversionsSerializer()
    nodes = serializers.DictField(child=NodeStatsSerializer(), help_text="By node id.")


class JourneyStatsSerializer(serializers.Serializer[Any]):
    journey = serializers.IntegerField()
    versions = VersionStatsSerializer(many=True)
    conversions = ConversionsSerializer()


def _version_param(request: Request) -> int | None:
    raw = request.query_params.get("version")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise serializers.ValidationError({"version": ["Expected a version number."]})
    return int(raw)


class JourneyStatsView(WorkspaceScopedMixin, APIView):
    @extend_schema(
        operation_id="journeys_stats_retrieve",
        description=DEFINITIONS,
        parameters=[
            OpenApiParameter(
                "version", OpenApiTypes.INT, description="Only this version (a 404 if unknown)."
            )
        ],
        responses={200: JourneyStatsSerializer, 404: OpenApiResponse(description="Not found")},
    )
    def get(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(self.scoped(Journey.objects.all()), pk=pk)
        number = _version_param(request)
        versions = journey.versions.order_by("-number")
        if number is not None:
            versions = versions.filter(number=number)
        found = list(versions)
        if number is not None and not found:
            raise exceptions.NotFound(f"Journey {journey.pk} has no version {number}.")
        return Response(journey_stats(journey, found))
