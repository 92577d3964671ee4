"""Segments by key, and their previews."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import WorkspaceScopedMixin
from core.api.contacts import ContactSerializer
from core.api.serializers import StrictFieldsMixin
from core.models import Segment
from core.services import segments as segment_services


class SegmentSerializer(StrictFieldsMixin, serializers.ModelSerializer[Segment]):
    rule = serializers.JSONField()

    class Meta:
        model = Segment
        fields = ["key", "name", "rule", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list[Any] = []  # uniqueness is the service's, with a located error


class SegmentPatchSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    rule = serializers.JSONField(required=False)


ErrorsSerializer = inline_serializer(
    "SegmentErrors", {"errors": serializers.ListField(child=serializers.JSONField())}
)
PreviewSerializer = inline_serializer(
    "SegmentPreview",
    {"count": serializers.IntegerField(), "sample": ContactSerializer(many=True)},
)


def _errors(exc: segment_services.SegmentInvalid) -> Response:
    return Response(
        {"errors": [error.as_dict() for error in exc.errors]}, status=status.HTTP_400_BAD_REQUEST
    )


class SegmentViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet[Segment]):
    serializer_class = SegmentSerializer
    lookup_field = "key"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Segment]:
        return self.scoped(Segment.objects.all())

    @extend_schema(responses={201: SegmentSerializer, 400: ErrorsSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = SegmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            segment = segment_services.create_segment(
                self.workspace, key=data["key"], name=data.get("name", ""), rule=data["rule"]
            )
        except segment_services.SegmentInvalid as exc:
            return _errors(exc)
        return Response(SegmentSerializer(segment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SegmentPatchSerializer, responses={200: SegmentSerializer, 400: ErrorsSerializer}
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        segment = self.get_object()
        serializer = SegmentPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            segment = segment_services.update_segment(segment, **serializer.validated_data)
        except segment_services.SegmentInvalid as exc:
            return _errors(exc)
        return Response(SegmentSerializer(segment).data)

    @extend_schema(responses={204: None, 400: ErrorsSerializer})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            segment_services.delete_segment(self.get_object())
        except segment_services.SegmentInvalid as exc:
            return _errors(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: PreviewSerializer})
    @action(detail=True, methods=["get"], pagination_class=None)
    def preview(self, request: Request, key: str | None = None) -> Response:
        result = segment_services.preview_segment(self.get_object())
        return Response(
            {"count": result.count, "sample": ContactSerializer(result.sample, many=True).data}
        )
