"""POST /journeys/{id}/preview/: a send or webhook node rendered for one real contact."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import WorkspaceScopedMixin
from journeys import preview
from journeys.api.serializers import (
    DocumentErrorSerializer,
    ErrorsResponseSerializer,
    JourneyDefinitionField,
)
from journeys.models import Journey


class PreviewRequestSerializer(serializers.Serializer[Any]):
    """For the OpenAPI document; the body is judged by `journeys.preview` with located errors."""

    node = serializers.CharField(help_text="The id of a send or webhook node.")
    contact = serializers.CharField(help_text="The external id of the contact to render for.")
    version = serializers.IntegerField(
        required=False, help_text="Preview this published version instead of the draft."
    )
    definition = JourneyDefinitionField(
        required=False, help_text="Preview this document instead of the stored draft."
    )


class PreviewResponseSerializer(serializers.Serializer[Any]):
    node = serializers.CharField()
    channel = serializers.CharField(help_text="The node's channel; `webhook` for webhook nodes.")
    content = serializers.DictField(
        help_text="The rendered params (webhooks: url, headers, body, method); a template that "
        "failed renders as null and is reported in `errors`."
    )
    errors = DocumentErrorSerializer(many=True)  # type: ignore[assignment]


class JourneyPreviewView(WorkspaceScopedMixin, APIView):
    # Rendering reads and sends nothing, so the read scope (a viewer) is enough.
    scopes_by_method = {"POST": frozenset({"read", "write"})}

    @extend_schema(
        operation_id="journeys_preview",
        summary="Render a send or webhook node for one contact",
        description=(
            "Renders the node's params exactly as the send node would, for the contact's real "
            "data with an empty event. Nothing is stored or sent. Templates that fail come "
            "back in `errors` (`template.render`, `template.syntax`) pointing into the "
            "document; a request naming an unknown node, contact or version, or a node that "
            "renders nothing, is refused with 400 and errors pointing into the request."
        ),
        request=PreviewRequestSerializer,
        responses={
            200: PreviewResponseSerializer,
            400: OpenApiResponse(ErrorsResponseSerializer, description="Located errors"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(self.scoped(Journey.objects.all()), pk=pk)
        try:
            result = preview.preview(self.workspace, journey, request.data)
        except preview.RequestRefused as exc:
            return Response(
                {"errors": [error.as_dict() for error in exc.errors]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(result.as_dict())
