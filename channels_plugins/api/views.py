"""`/channels/` (the catalog) and `/channel-accounts/` (a workspace's accounts).

An account's `receipt_url` (`/hooks/{account_id}/{token}/`, where its provider posts
receipts) holds the token that authenticates receipts, so only callers who may change accounts
(the `write` scope) see it; others read null. `POST …/rotate-receipt-url/` replaces the token.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_plugins import gates, services
from channels_plugins.models import BreakerState, ChannelAccount
from channels_plugins.receipt_hook import receipt_url
from channels_plugins.registry import get_registry
from core.api.base import WorkspaceScopedMixin
from core.api.serializers import StrictFieldsMixin
from core.api.workspace import resolve_access


class BreakerSerializer(serializers.Serializer[Any]):
    state = serializers.ChoiceField(choices=BreakerState.choices)
    failures = serializers.IntegerField()
    opened_at = serializers.DateTimeField(allow_null=True)
    reopens_at = serializers.DateTimeField(allow_null=True)


class ChannelAccountSerializer(StrictFieldsMixin, serializers.ModelSerializer[ChannelAccount]):
    config = serializers.JSONField(
        required=False,
        help_text="Provider settings, validated by the provider's config_schema. Secret "
        "(writeOnly) fields are stored but never returned; on update, secrets left out keep "
        "their stored values.",
    )
    receipt_url = serializers.SerializerMethodField(
        help_text="Where the provider posts receipts for this account (give it to the "
        "provider). Shown to callers with the write scope only; null otherwise."
    )

    breaker = serializers.SerializerMethodField(
        help_text="The account's circuit breaker: state (closed, open, half_open), consecutive "
        "failures, when it opened and when it next lets a probe through."
    )

    class Meta:
        model = ChannelAccount
        fields = [
            "id",
            "name",
            "channel",
            "provider",
            "config",
            "track_clicks",
            "receipt_url",
            "breaker",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "receipt_url", "breaker", "created_at", "updated_at"]
        extra_kwargs = {
            "name": {"help_text": "What send nodes call the account; unique per workspace."},
            "channel": {"help_text": "A channel of GET /channels/; fixed once created."},
            "provider": {"help_text": "A provider serving that channel (GET /channels/)."},
        }
        # Uniqueness is judged by the service, which answers with a located error.
        validators: list[Any] = []

    @extend_schema_field(BreakerSerializer)
    def get_breaker(self, instance: ChannelAccount) -> dict[str, Any]:
        return gates.breaker_status(instance)

    def to_representation(self, instance: ChannelAccount) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["config"] = services.public_config(instance)
        return data

    def get_receipt_url(self, instance: ChannelAccount) -> str | None:
        request = self.context.get("request")
        access = resolve_access(request) if request is not None else None
        if access is None or "write" not in access.grants:
            return None
        return receipt_url(instance)

    def validate_config(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise serializers.ValidationError("config must be a JSON object.")
        return value


def _as_validation_error(exc: services.AccountInvalid) -> serializers.ValidationError:
    """DRF's field map, plus `errors`: each with a stable code and a pointer into the body."""
    fields: dict[str, Any] = {}
    for error in exc.errors:
        fields.setdefault(error.field, []).append(str(error))
    fields["errors"] = [error.located() for error in exc.errors]
    return serializers.ValidationError(fields)


@extend_schema_view(
    list=extend_schema(summary="List the workspace's channel accounts"),
    create=extend_schema(summary="Create a channel account"),
    retrieve=extend_schema(summary="Read a channel account"),
    partial_update=extend_schema(summary="Change a channel account"),
    destroy=extend_schema(summary="Delete a channel account"),
)
class ChannelAccountViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet[ChannelAccount]):
    serializer_class = ChannelAccountSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[ChannelAccount]:
        return self.scoped(ChannelAccount.objects.select_related("gate"))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            account = services.create_account(
                self.workspace,
                name=data["name"],
                channel=data["channel"],
                provider=data["provider"],
                config=data.get("config", {}),
                track_clicks=data.get("track_clicks", False),
            )
        except services.AccountInvalid as exc:
            raise _as_validation_error(exc) from exc
        return Response(self.get_serializer(account).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = self.get_object()
        serializer = self.get_serializer(account, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            account = services.update_account(account, **serializer.validated_data)
        except services.AccountInvalid as exc:
            raise _as_validation_error(exc) from exc
        return Response(self.get_serializer(account).data)

    @extend_schema(
        summary="Replace the account's receipt URL",
        request=None,
        responses={200: ChannelAccountSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-receipt-url")
    def rotate_receipt_url(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The old URL stops working at once; configure the provider with the new one."""
        account = services.rotate_hook_token(self.get_object())
        return Response(self.get_serializer(account).data)

    def perform_destroy(self, instance: ChannelAccount) -> None:
        services.delete_account(instance)


class ProviderEntrySerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    plugin = serializers.CharField(help_text="The plugin that registered the provider.")
    config_schema = serializers.JSONField(
        help_text="JSON Schema (draft 2020-12) of an account's config; secrets are writeOnly."
    )


class LegalHoursSerializer(serializers.Serializer[Any]):
    start = serializers.CharField(help_text="HH:MM, in the contact's timezone.")
    end = serializers.CharField(help_text="HH:MM; the window is [start, end).")


class ChannelEntrySerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    params_schema = serializers.JSONField(
        help_text="JSON Schema (draft 2020-12) of a send node's params on this channel."
    )
    legal_hours = LegalHoursSerializer(
        allow_null=True,
        help_text="Local hours in which marketing messages may be sent on this channel; "
        "dispatch holds them outside (held: legal_hours). Null: any hour.",
    )
    providers = ProviderEntrySerializer(many=True)


class ChannelCatalogSerializer(serializers.Serializer[Any]):
    channels = ChannelEntrySerializer(many=True)


class ChannelCatalogView(APIView):
    """Channels with their send params schema and the providers that serve them."""

    @extend_schema(summary="The channel catalog", responses={200: ChannelCatalogSerializer})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(channel_catalog())


def channel_catalog() -> dict[str, Any]:
    """`GET /channels/`'s answer; the canvas page embeds it so the editor opens without asking."""
    registry = get_registry()
    channels = [
        {
            **channel.as_dict(),
            "providers": [p.as_dict() for p in registry.providers_for(channel.name)],
        }
        for channel in registry.channels.values()
    ]
    return dict(ChannelCatalogSerializer({"channels": channels}).data)
