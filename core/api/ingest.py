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
from core.api.jsonvalues import json_problem
from core.conf import touchflow_settings
from core.models import Contact, Workspace
from core.models.contact import BUILTIN_FIELDS
from core.services import contacts as contact_services
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


def _check_storable(payload: Any) -> None:
    problem = json_problem(payload)
    if problem is not None:
        raise IngestError({"non_field_errors": [problem]})


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


def _validate(serializer: serializers.Serializer[Any], payload: Any) -> Any:
    try:
        return serializer.run_validation(payload)
    except serializers.ValidationError as exc:
        raise IngestError(exc.detail) from exc


class Ingestor:
    """Stores the track and identify messages of one call.

    One serializer of each kind checks every message (building one per message deep-copies
    its fields each time), and the contacts a batch names are found with one query up front.
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.contacts: dict[str, Contact] = {}
        self.track_fields = TrackSerializer()
        self.identify_fields = IdentifySerializer()
        self.contact_fields = ContactFieldsSerializer()

    def preload(self, items: list[Any]) -> None:
        user_ids = {
            str(item["userId"])
            for item in items
            if isinstance(item, dict)
            and item.get("type") == "track"
            and isinstance(item.get("userId"), str | int)
            and not isinstance(item.get("userId"), bool)
        }
        self.contacts.update(contact_services.contacts_by_external_id(self.workspace, user_ids))

    def track(self, payload: Any) -> dict[str, Any]:
        _check_storable(payload)
        data = _validate(self.track_fields, payload)
        recorded = event_services.track(
            self.workspace,
            user_id=data["userId"],
            contacts=self.contacts,
            event=data["event"],
            properties=data["properties"],
            timestamp=data.get("timestamp"),
            message_id=data.get("messageId"),
            extra=_extra(payload, TRACK_FIELDS),
        )
        return {"ok": True, "duplicate": recorded.duplicate}

    def identify(self, payload: Any) -> dict[str, Any]:
        _check_storable(payload)
        data = _validate(self.identify_fields, payload)
        try:
            changes = self.contact_fields.run_validation(split_traits(data["traits"]))
        except serializers.ValidationError as exc:
            raise IngestError({"traits": exc.detail}) from exc
        event_services.identify(self.workspace, user_id=data["userId"], changes=changes)
        return {"ok": True}

    def one(self, index: int, item: Any) -> dict[str, Any]:
        """A batch item's result: its outcome, or its errors."""
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in ("track", "identify"):
            return {
                "index": index,
                "ok": False,
                "errors": {"type": ["Expected track or identify."]},
            }
        try:
            outcome = self.track(item) if kind == "track" else self.identify(item)
        except IngestError as exc:
            return {"index": index, "ok": False, "errors": exc.errors}
        return {"index": index, **outcome}


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

    def _answer(self, kind: str, request: Request) -> Response:
        ingestor = Ingestor(self.workspace)
        payload = self._payload(request)
        try:
            return Response(
                ingestor.track(payload) if kind == "track" else ingestor.identify(payload)
            )
        except IngestError as exc:
            raise serializers.ValidationError(exc.errors) from exc


TrackOkSerializer = inline_serializer(
    "TrackOk", {"ok": serializers.BooleanField(), "duplicate": serializers.BooleanField()}
)
IdentifyOkSerializer = inline_serializer("IdentifyOk", {"ok": serializers.BooleanField()})


class TrackView(IngestView):
    @extend_schema(request=TrackSerializer, responses={200: TrackOkSerializer})
    def post(self, request: Request) -> Response:
        return self._answer("track", request)


class IdentifyView(IngestView):
    @extend_schema(request=IdentifySerializer, responses={200: IdentifyOkSerializer})
    def post(self, request: Request) -> Response:
        return self._answer("identify", request)


BatchSerializer = inline_serializer(
    "Batch", {"batch": serializers.ListField(child=serializers.JSONField())}
)
BatchResultsSerializer = inline_serializer(
    "BatchResults",
    {
        "results": inline_serializer(
            "BatchResult",
            {
                "index": serializers.IntegerField(),
                "ok": serializers.BooleanField(),
                "duplicate": serializers.BooleanField(
                    required=False, help_text="Track items: their messageId was seen before."
                ),
                "errors": serializers.DictField(
                    required=False, help_text="Items that were refused: why, by field."
                ),
            },
            many=True,
        )
    },
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
        ingestor = Ingestor(self.workspace)
        ingestor.preload(items)
        # One transaction for the call (each item still in its own savepoint): a batch commits
        # once, and a failure the items cannot absorb leaves nothing half-stored for the retry.
        with transaction.atomic():
            results = [ingestor.one(index, item) for index, item in enumerate(items)]
        return Response({"results": results})
