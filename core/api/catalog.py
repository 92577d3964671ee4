"""`GET /catalog/`: names the canvas rule builder offers (events, properties, attributes, tags).

Event names come from the (workspace, name) index, so their number is bounded by how many
distinct names exist, not by how many events. Property names, attribute keys and tags are read
from the most recent RECENT_SAMPLE events and contacts: cheap on any table size, and what is in
use now is what a marketer wants offered.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import WorkspaceScopedMixin
from core.models import Contact, Event
from core.models.contact import BUILTIN_FIELDS

RECENT_SAMPLE = 2_000

CatalogSerializer = inline_serializer(
    "Catalog",
    {
        "events": serializers.ListField(child=serializers.JSONField()),
        "fields": serializers.ListField(child=serializers.CharField()),
        "attributes": serializers.ListField(child=serializers.CharField()),
        "tags": serializers.ListField(child=serializers.CharField()),
    },
)


class CatalogView(WorkspaceScopedMixin, APIView):
    @extend_schema(responses={200: CatalogSerializer})
    def get(self, request: Request) -> Response:
        workspace = self.workspace
        names = sorted(
            Event.objects.filter(workspace=workspace)
            .order_by()
            .values_list("name", flat=True)
            .distinct()
        )
        properties: dict[str, set[str]] = {name: set() for name in names}
        recent_events = Event.objects.filter(workspace=workspace).order_by("-id")[:RECENT_SAMPLE]
        for name, props in recent_events.values_list("name", "properties"):
            if isinstance(props, dict):
                properties.setdefault(name, set()).update(props)
        attributes: set[str] = set()
        tags: set[str] = set()
        recent_contacts = Contact.objects.filter(workspace=workspace).order_by("-updated_at")
        for attrs, contact_tags in recent_contacts.values_list("attributes", "tags")[
            :RECENT_SAMPLE
        ]:
            if isinstance(attrs, dict):
                attributes.update(attrs)
            if isinstance(contact_tags, list):
                tags.update(tag for tag in contact_tags if isinstance(tag, str))
        data: dict[str, Any] = {
            "events": [
                {"name": name, "properties": sorted(properties[name])}
                for name in sorted(properties)
            ],
            "fields": list(BUILTIN_FIELDS),
            "attributes": sorted(attributes),
            "tags": sorted(tags),
        }
        return Response(data)
