"""API key management: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import WorkspaceScopedMixin
from core.api.serializers import StrictFieldsMixin
from core.api.workspace import resolve_access
from core.models import ApiKey
from core.models.apikey import ALL_SCOPES
from core.services.apikeys import create_api_key, revoke_api_key


class ApiKeySerializer(serializers.ModelSerializer[ApiKey]):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class ApiKeyCreateSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_SCOPES),
        min_length=1,
        required=False,
        help_text="Defaults to every scope the caller holds.",
    )


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The secret; shown only in this answer.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyViewSet(
    WorkspaceScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[ApiKey],
):
    serializer_class = ApiKeySerializer

    def get_queryset(self) -> QuerySet[ApiKey]:
        return self.scoped(ApiKey.objects.all())

    @extend_schema(request=ApiKeyCreateSerializer, responses={201: ApiKeyCreatedSerializer})
    def create(self, request: Request) -> Response:
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = resolve_access(request)
        held = access.grants if access is not None else frozenset()
        scopes = serializer.validated_data.get("scopes") or [s for s in ALL_SCOPES if s in held]
        beyond = sorted(set(scopes) - held)
        if beyond:
            raise serializers.ValidationError(
                {"scopes": [f"You cannot grant scopes you do not hold: {', '.join(beyond)}."]}
            )
        key, raw_key = create_api_key(
            self.workspace, scopes=scopes, name=serializer.validated_data.get("name", "")
        )
        data = dict(ApiKeySerializer(key).data)
        data["key"] = raw_key
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiKey) -> None:
        """Revoking keeps the row, so logs that name its prefix still resolve."""
        revoke_api_key(instance)
