"""Segment-compatible ingestion: track, identify and batch.

Segment's libraries send fields Touchflow does not use (`anonymousId`, `context`,
`integrations`, `sentAt`, …): they are accepted and kept with the event, never refused. The
write key may come as a Bearer token or as the Basic-auth user name.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.authentication import ApiKeyAuthentication, SegmentBasicAuthentication
from core.api.base import WorkspaceScopedMixin
from core.api.contact_fields import ContactFieldsSerializer
from core.conf import touchflow_settings
from core.models import Contact
from core.models.contact import BUILTIN_FIELDS
from core.services import events as event_services

INGEST = frozenset({"ingest", "write"})
TRACK_FIELDS = {"type", "userId", "event", "properties", "timestamp", "messageId"}
IDENTIFY_FIELDS = {"type", "userId", "traits", "timestamp", "messageId"}
# Trait names Segment's libraries use for our built-in fields.
TRAIT_ALIASES = {"firstName": "first_name", "lastName": "last_name"}
FIELD_TRAITS = (set(BUILTIN_FIELDS) - {"created_at"}) | set(TRAIT_ALIASES)


class UserIdField(serializers.CharField):
    """Segment ids may arrive as numbers; they are the contact's external id either way."""

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)
        return str(super().to_internal_value(data))


class TrackSerializer(serializers.Serializer[Any]):
    userId = UserIdField(max_length=200, trim_whitespace=False)
    event = serializers.CharField(max_length=200)
    properties = serializers.DictField(required=False, default=dict)
    timestamp = serializers.DateTimeField(required=False)
    messageId = serializers.CharField(max_length=200, required=False)


class IdentifySerializer(serializers.Serializer[Any]):
    userId = UserIdField(max_length=200, trim_whitespace=False)
    traits = serializers.DictField(required=False, default=dict)
    timestamp = serializers.DateTimeField(required=False)
    messageId = serializers.CharField(max_length=200, required=False)


class IngestError(Exception):
    def __init__(self, errors: Any) -> None:
        super().__init__(str(errors))
        self.errors = errors


def _extra(payload: dict[str, Any], known: set[str]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if key not in known}


ContactCache = dict[str, Contact]


def ingest_track(
    view: WorkspaceScopedMixin, payload: Any, contacts: ContactCache | None = None
) -> dict[str, Any]:
    serializer = TrackSerializer(data=payload)
    if not serializer.is_valid():
        raise IngestError(serializer.errors)
    data = serializer.validated_data
    recorded = event_services.track(
        view.workspace,
        user_id=data["userId"],
        contacts=contacts,
        event=data["event"],
        properties=data["properties"],
        timestamp=data.get("timestamp"),
        message_id=data.get("messageId"),
        extra=_extra(payload, TRACK_FIELDS),
    )
    return {"ok": True, "duplicate": recorded.duplicate}


def split_traits(traits: dict[str, Any]) -> dict[str, Any]:
    """Traits named like built-in fields set those fields; the rest become attributes."""
    changes: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for name, value in traits.items():
        if name in FIELD_TRAITS:
            changes[TRAIT_ALIASES.get(name, name)] = "" if value is None else value
        elif name not in BUILTIN_FIELDS:
            attributes[name] = value
    if attributes:
        changes["attributes"] = attributes
    return changes


def ingest_identify(
    view: WorkspaceScopedMixin, payload: Any, contacts: ContactCache | None = None
) -> dict[str, Any]:
    serializer = IdentifySerializer(data=payload)
    if not serializer.is_valid():
        raise IngestError(serializer.errors)
    data = serializer.validated_data
    fields = ContactFieldsSerializer(data=split_traits(data["traits"]))
    if not fields.is_valid():
        raise IngestError({"traits": fields.errors})
    event_services.identify(view.workspace, user_id=data["userId"], changes=fields.validated_data)
    return {"ok": True}


class IngestView(WorkspaceScopedMixin, APIView):
    authentication_classes = [
        ApiKeyAuthentication,
        SegmentBasicAuthentication,
        SessionAuthentication,
    ]
    scopes_by_method = {"POST": INGEST}

    def _payload(self, request: Request) -> dict[str, Any]:
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
        return request.data

    def _answer(self, handler: Any, request: Request) -> Response:
        try:
            return Response(handler(self, self._payload(request)))
        except IngestError as exc:
            raise serializers.ValidationError(exc.errors) from exc


OkSerializer = inline_serializer(
    "IngestOk", {"ok": serializers.BooleanField(), "duplicate": serializers.BooleanField()}
)


class TrackView(IngestView):
    @extend_schema(request=TrackSerializer, responses={200: OkSerializer})
    def post(self, request: Request) -> Response:
        return self._answer(ingest_track, request)


class IdentifyView(IngestView):
    @extend_schema(request=IdentifySerializer, responses={200: OkSerializer})
    def post(self, request: Request) -> Response:
        return self._answer(ingest_identify, request)


HANDLERS = {"track": ingest_track, "identify": ingest_identify}

BatchSerializer = inline_serializer(
    "Batch", {"batch": serializers.ListField(child=serializers.JSONField())}
)
BatchResultsSerializer = inline_serializer(
    "BatchResults", {"results": serializers.ListField(child=serializers.JSONField())}
)


class BatchView(IngestView):
    """Items are stored one by one: a malformed item is reported and the others still land."""

    @extend_schema(request=BatchSerializer, responses={200: BatchResultsSerializer})
    def post(self, request: Request) -> Response:
        payload = self._payload(request)
        items = payload.get("batch")
        if not isinstance(items, list):
            raise serializers.ValidationError({"batch": ["Expected a list of messages."]})
        limit = touchflow_settings.MAX_BATCH_ITEMS
        if len(items) > limit:
            raise serializers.ValidationError({"batch": [f"At most {limit} messages per call."]})
        results: list[dict[str, Any]] = []
        contacts: ContactCache = {}  # items of one batch often share a user
        # One transaction for the call (each item still in its own savepoint): a batch commits
        # once, and a failure the items cannot absorb leaves nothing half-stored for the retry.
        with transaction.atomic():
            for index, item in enumerate(items):
                results.append(self._one(index, item, contacts))
        return Response({"results": results})

    def _one(self, index: int, item: Any, contacts: ContactCache) -> dict[str, Any]:
        kind = item.get("type") if isinstance(item, dict) else None
        handler = HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            return {
                "index": index,
                "ok": False,
                "errors": {"type": ["Expected track or identify."]},
            }
        try:
            return {"index": index, **handler(self, item, contacts)}
        except IngestError as exc:
            return {"index": index, "ok": False, "errors": exc.errors}
