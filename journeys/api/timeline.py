"""`GET /contacts/{external_id}/timeline/`: one contact's history, to answer "why this message?".

It lives in `journeys` because it reads enrollments, steps and messages, and `core` may not
import them (ARCHITECTURE.md §1). The serializers below describe the items for the OpenAPI
document; items are built as plain data by `journeys.timeline`.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from core.api.base import WorkspaceScopedMixin
from core.models import Contact
from journeys import timeline
from journeys.timeline import Cursor, Window

MAX_LIMIT = 500


class TimelineQuerySerializer(serializers.Serializer[Any]):
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, default=100, help_text="Items per page (at most 500)."
    )
    order = serializers.ChoiceField(
        choices=["asc", "desc"], default="asc", help_text="`asc`: oldest first; `desc`: newest."
    )
    after = serializers.DateTimeField(required=False, help_text="Only items at or after this.")
    before = serializers.DateTimeField(required=False, help_text="Only items before this.")
    cursor = serializers.CharField(
        required=False, help_text="From a page's `next` or `previous` link."
    )

    def validate_cursor(self, value: str) -> Cursor:
        try:
            return Cursor.decode(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class JourneyRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_null=True, help_text="Null once the journey is deleted.")


class ItemSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=list(timeline.KINDS))


class EventItemSerializer(ItemSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    properties = serializers.JSONField()


class TriggerSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(allow_null=True, help_text="The entry node's trigger kind.")
    event = serializers.JSONField(
        required=False, help_text="`{name, properties}` of the event that enrolled the contact."
    )


class EnrollmentItemSerializer(ItemSerializer):
    enrollment = serializers.IntegerField()
    journey = JourneyRefSerializer()
    version = serializers.IntegerField()
    status = serializers.CharField(help_text="The enrollment's status now.")
    node = serializers.CharField(help_text="Where the enrollment is now, or where it ended.")
    wake_at = serializers.DateTimeField(allow_null=True, help_text="When it is next due.")
    converted_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(help_text="Why it failed, if it did.")


class EnteredItemSerializer(EnrollmentItemSerializer):
    trigger = TriggerSerializer()


class StepItemSerializer(ItemSerializer):
    enrollment = serializers.IntegerField()
    journey = JourneyRefSerializer()
    version = serializers.IntegerField()
    node = serializers.CharField()
    node_type = serializers.CharField(allow_null=True)
    label = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    port = serializers.CharField(help_text="The port taken; empty at an exit.")
    detail = serializers.JSONField(
        help_text="What the node recorded: a variant, a skipped send, the event that woke a wait."
    )


class MessageItemSerializer(ItemSerializer):
    id = serializers.IntegerField()
    channel = serializers.CharField()
    account = serializers.CharField(allow_null=True)
    category = serializers.CharField()
    journey = JourneyRefSerializer(allow_null=True)
    node = serializers.CharField()
    enrollment = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    reason = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)
    content = serializers.JSONField()


TimelineItem = PolymorphicProxySerializer(
    component_name="TimelineItem",
    serializers={
        timeline.EVENT: EventItemSerializer,
        timeline.ENTERED: EnteredItemSerializer,
        timeline.STEP: StepItemSerializer,
        timeline.MESSAGE: MessageItemSerializer,
        timeline.FINISHED: EnrollmentItemSerializer,
    },
    resource_type_field_name="kind",
    many=True,
)


class TimelinePageSerializer(serializers.Serializer[Any]):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TimelineItem


DESCRIPTION = """\
The contact's events, enrollments (entering and finishing), steps (one per node visit, with
the port taken and the node's detail) and messages (with the journey and node that wrote
them), merged in time order. Items at the same instant come cause first: event, entering,
step, message, finishing; then by id. Pages are keyset pages: follow `next` / `previous`."""


class ContactTimelineView(WorkspaceScopedMixin, APIView):
    """The path also names the contact whose external id ends in "/timeline": this view has
    that address for GET, and that contact is reached through `POST /contacts/` instead."""

    @extend_schema(
        operation_id="contacts_timeline_retrieve",
        description=DESCRIPTION,
        parameters=[TimelineQuerySerializer],
        responses={200: TimelinePageSerializer, 404: OpenApiResponse(description="Not found")},
    )
    def get(self, request: Request, external_id: str) -> Response:
        contact = get_object_or_404(self.scoped(Contact.objects.all()), external_id=external_id)
        query = TimelineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        window = Window(
            limit=params["limit"],
            ascending=params["order"] == "asc",
            after=params.get("after"),
            before=params.get("before"),
        )
        page = timeline.read_page(contact, window, params.get("cursor"))
        return Response(
            {
                "next": self._link(request, page.next),
                "previous": self._link(request, page.previous),
                "results": page.items,
            }
        )

    @staticmethod
    def _link(request: Request, cursor: Cursor | None) -> str | None:
        if cursor is None:
            return None
        url = request.build_absolute_uri()
        return str(replace_query_param(url, "cursor", cursor.encode()))
