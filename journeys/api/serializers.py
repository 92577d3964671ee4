"""Journey payloads (JOURNEY_FORMAT.md §2)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import StrictFieldsMixin
from journeys.models import Journey, JourneyVersion


class JourneyDefinitionField(serializers.JSONField):
    """A draft may be incomplete, but it is always a JSON object."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError("The definition must be a JSON object.")
        return super().to_internal_value(data)


class CanarySerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    percent = serializers.IntegerField()


class JourneySerializer(StrictFieldsMixin, serializers.ModelSerializer[Journey]):
    definition = JourneyDefinitionField(required=False)
    latest_version = serializers.SerializerMethodField()
    live_version = serializers.SerializerMethodField(
        help_text="The version new entrants get, apart from a canary's share."
    )
    canary = serializers.SerializerMethodField(
        help_text='{"version", "percent"} while a canary runs, else null.'
    )

    class Meta:
        model = Journey
        fields = [
            "id",
            "name",
            "description",
            "definition",
            "rev",
            "status",
            "latest_version",
            "live_version",
            "canary",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "rev",
            "status",
            "latest_version",
            "live_version",
            "canary",
            "created_at",
            "updated_at",
        ]

    def get_latest_version(self, journey: Journey) -> int | None:
        versions = [version.number for version in journey.versions.all()]
        return max(versions, default=None)

    def get_live_version(self, journey: Journey) -> int | None:
        return journey.live_version.number if journey.live_version else None

    @extend_schema_field(CanarySerializer(allow_null=True))
    def get_canary(self, journey: Journey) -> dict[str, int] | None:
        if journey.canary_version is None:
            return None
        return {"version": journey.canary_version.number, "percent": journey.canary_percent}


class JourneyPatchSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    rev = serializers.IntegerField(min_value=1, help_text="The rev you read; stale → 409.")
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    definition = JourneyDefinitionField(required=False)


class ValidateRequestSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    definition = JourneyDefinitionField(
        required=False, help_text="A document to judge instead of the stored draft."
    )


class DocumentErrorSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    message = serializers.CharField()
    node_id = serializers.CharField(allow_null=True)
    path = serializers.CharField()


class ValidateResponseSerializer(serializers.Serializer[Any]):
    valid = serializers.BooleanField()
    errors = DocumentErrorSerializer(many=True)  # type: ignore[assignment]


class ErrorsResponseSerializer(serializers.Serializer[Any]):
    errors = DocumentErrorSerializer(many=True)  # type: ignore[assignment]


class PublishRequestSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    canary_percent = serializers.IntegerField(
        min_value=1,
        max_value=99,
        required=False,
        help_text="Send this share of new entrants to the new version until it is promoted; "
        "the live version keeps the rest. Omit to make the new version live for everyone.",
    )


class EmptySerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    """Lifecycle calls take no fields; anything sent is a mistake worth reporting."""


class CloneRequestSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False)


class VersionSerializer(serializers.ModelSerializer[JourneyVersion]):
    version = serializers.IntegerField(source="number", read_only=True)
    published_by = serializers.SerializerMethodField()

    class Meta:
        model = JourneyVersion
        fields = ["version", "checksum", "schema_version", "published_at", "published_by"]

    def get_published_by(self, version: JourneyVersion) -> str:
        if version.published_by is not None:
            return version.published_by.get_username()
        return f"api-key:{version.published_by_key}" if version.published_by_key else ""


class VersionDetailSerializer(VersionSerializer):
    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "definition"]


class PublishResponseSerializer(VersionSerializer):
    journey = serializers.IntegerField(source="journey_id", read_only=True)
    canary_percent = serializers.SerializerMethodField(
        help_text="The share of new entrants this version gets while it is a canary; "
        "null when it went live for everyone."
    )

    class Meta(VersionSerializer.Meta):
        fields = ["journey", *VersionSerializer.Meta.fields, "canary_percent"]

    def get_canary_percent(self, version: JourneyVersion) -> int | None:
        routing = Journey.objects.filter(pk=version.journey_id).values_list(
            "canary_version_id", "canary_percent"
        )
        canary_id, percent = routing.get()
        return percent if canary_id == version.pk else None


class EnrollRequestSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    contacts = serializers.ListField(
        child=serializers.CharField(max_length=200, trim_whitespace=False),
        allow_empty=False,
        max_length=10_000,
        help_text="External ids of existing contacts.",
    )


class EnrollSkipSerializer(serializers.Serializer[Any]):
    contact = serializers.CharField()
    reason = serializers.CharField()


class EnrollResponseSerializer(serializers.Serializer[Any]):
    enrolled = serializers.IntegerField()
    skipped = EnrollSkipSerializer(many=True)
