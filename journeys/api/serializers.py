"""Journey payloads (JOURNEY_FORMAT.md §2)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api.serializers import StrictFieldsMixin
from journeys.models import Journey, JourneyVersion


class JourneyDefinitionField(serializers.JSONField):
    """A draft may be incomplete, but it is always a JSON object."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError("The definition must be a JSON object.")
        return super().to_internal_value(data)


class JourneySerializer(StrictFieldsMixin, serializers.ModelSerializer[Journey]):
    definition = JourneyDefinitionField(required=False)
    latest_version = serializers.SerializerMethodField()

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
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "rev", "status", "latest_version", "created_at", "updated_at"]

    def get_latest_version(self, journey: Journey) -> int | None:
        versions = [version.number for version in journey.versions.all()]
        return max(versions, default=None)


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

    class Meta(VersionSerializer.Meta):
        fields = ["journey", *VersionSerializer.Meta.fields]


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
