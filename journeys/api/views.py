"""Journey endpoints: drafts, validation, publishing and the lifecycle."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from core.api.authentication import ApiKeyPrincipal
from core.api.base import WorkspaceScopedMixin
from core.api.exceptions import Conflict, PayloadTooLarge
from journeys import services
from journeys.api import serializers as s
from journeys.models import Journey


def _publisher(request: Request) -> services.Publisher:
    user = request.user
    if isinstance(user, ApiKeyPrincipal):
        return services.Publisher(key_prefix=user.api_key.prefix)
    return services.Publisher(user_id=user.pk if user is not None else None)


def _api_error(exc: services.JourneyError) -> Exception:
    if isinstance(exc, services.DocumentTooLarge):
        return PayloadTooLarge(str(exc))
    if isinstance(exc, services.StaleRevision):
        return Conflict(str(exc), rev=exc.current_rev)
    return Conflict(str(exc))


def _errors_response(errors: list[Any]) -> Response:
    return Response(
        {"errors": [error.as_dict() for error in errors]}, status=status.HTTP_400_BAD_REQUEST
    )


class JourneyViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet[Journey]):
    serializer_class = s.JourneySerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Journey]:
        return self.scoped(
            Journey.objects.prefetch_related("versions").select_related(
                "live_version", "canary_version"
            )
        )

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return {
            "partial_update": s.JourneyPatchSerializer,
            "validate": s.ValidateRequestSerializer,
            "clone": s.CloneRequestSerializer,
        }.get(self.action, s.JourneySerializer)

    def _respond(self, journey: Journey, code: int = status.HTTP_200_OK) -> Response:
        journey = self.get_queryset().get(pk=journey.pk)
        return Response(s.JourneySerializer(journey).data, status=code)

    @extend_schema(responses={201: s.JourneySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.JourneySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            journey = services.create_journey(
                self.workspace,
                name=data["name"],
                description=data.get("description", ""),
                definition=data.get("definition"),
            )
        except services.JourneyError as exc:
            raise _api_error(exc) from exc
        return self._respond(journey, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.JourneyPatchSerializer,
        responses={200: s.JourneySerializer, 409: OpenApiResponse(description="Stale rev")},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        journey = self.get_object()
        serializer = s.JourneyPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        rev = changes.pop("rev")
        try:
            journey = services.update_journey(journey, rev=rev, changes=changes)
        except services.JourneyError as exc:
            raise _api_error(exc) from exc
        return self._respond(journey)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            services.delete_journey(self.get_object())
        except services.JourneyError as exc:
            raise _api_error(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=s.ValidateRequestSerializer, responses={200: s.ValidateResponseSerializer}
    )
    @action(detail=True, methods=["post"])
    def validate(self, request: Request, pk: str | None = None) -> Response:
        journey = self.get_object()
        serializer = s.ValidateRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        definition = serializer.validated_data.get("definition", journey.definition)
        try:
            services.check_size(definition)
        except services.JourneyError as exc:
            raise _api_error(exc) from exc
        errors = services.validate_definition(self.workspace, definition)
        return Response({"valid": not errors, "errors": [error.as_dict() for error in errors]})

    @extend_schema(
        request=s.PublishRequestSerializer,
        responses={201: s.PublishResponseSerializer, 400: s.ErrorsResponseSerializer},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        journey = self.get_object()
        serializer = s.PublishRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            version = services.publish_journey(
                journey,
                publisher=_publisher(request),
                canary_percent=serializer.validated_data.get("canary_percent"),
            )
        except services.InvalidDocument as exc:
            return _errors_response(exc.errors)
        except services.JourneyError as exc:
            raise _api_error(exc) from exc
        return Response(s.PublishResponseSerializer(version).data, status=status.HTTP_201_CREATED)

    def _lifecycle(self, request: Request, action_name: str) -> Response:
        journey = self.get_object()
        s.EmptySerializer(data=request.data).is_valid(raise_exception=True)
        try:
            journey = services.change_status(journey, action_name)
        except services.JourneyError as exc:
            raise _api_error(exc) from exc
        return self._respond(journey)

    @extend_schema(request=s.EmptySerializer, responses={200: s.JourneySerializer})
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        return self._lifecycle(request, "pause")

    @extend_schema(request=s.EmptySerializer, responses={200: s.JourneySerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        return self._lifecycle(request, "resume")

    @extend_schema(request=s.EmptySerializer, responses={200: s.JourneySerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        return self._lifecycle(request, "archive")

    @extend_schema(request=s.EmptySerializer, responses={200: s.JourneySerializer})
    @action(detail=True, methods=["post"])
    def promote(self, request: Request, pk: str | None = None) -> Response:
        """Make the running canary the live version for every new entrant."""
        journey = self.get_object()
        s.EmptySerializer(data=request.data).is_valid(raise_exception=True)
        try:
            journey = services.promote_canary(journey)
        except services.JourneyError as exc:
            raise _api_error(exc) from exc
        return self._respond(journey)

    @extend_schema(request=s.CloneRequestSerializer, responses={201: s.JourneySerializer})
    @action(detail=True, methods=["post"])
    def clone(self, request: Request, pk: str | None = None) -> Response:
        journey = self.get_object()
        serializer = s.CloneRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        copy = services.clone_journey(journey, name=serializer.validated_data.get("name"))
        return self._respond(copy, status.HTTP_201_CREATED)

    @extend_schema(request=s.EnrollRequestSerializer, responses={200: s.EnrollResponseSerializer})
    @action(detail=True, methods=["post"])
    def enroll(self, request: Request, pk: str | None = None) -> Response:
        """Enroll existing contacts into a journey whose entry trigger is `api`."""
        journey = self.get_object()
        serializer = s.EnrollRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = services.enroll_contacts(journey, serializer.validated_data["contacts"])
        except services.JourneyError as exc:
            raise _api_error(exc) from exc
        return Response(result)

    @extend_schema(responses={200: s.VersionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request: Request, pk: str | None = None) -> Response:
        journey = self.get_object()
        versions = journey.versions.select_related("published_by").order_by("-number")
        return Response(s.VersionSerializer(versions, many=True).data)

    @extend_schema(responses={200: s.VersionDetailSerializer})
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>\d+)")
    def version_detail(self, request: Request, pk: str | None = None, number: str = "") -> Response:
        journey = self.get_object()
        version = get_object_or_404(journey.versions.select_related("published_by"), number=number)
        return Response(s.VersionDetailSerializer(version).data)
