"""`GET /catalog/`: names the canvas rule builder offers (events, properties, attributes, tags).

Every query is bounded, whatever the size of the tables:

- Event names by a "loose index scan" of the (workspace, name) index: each step asks for the
  smallest name after the previous one, an index seek, so the cost grows with the number of
  distinct names (capped at MAX_EVENT_NAMES), never with the number of events. A plain
  `SELECT DISTINCT` would read every index entry of the workspace.
- Property names from the RECENT_SAMPLE newest events (the workspace index, read backwards).
- Attribute keys and tags from the RECENT_SAMPLE newest contacts and the contacts of the
  sampled events: what is in use now is what a marketer wants offered. Contacts have no index
  on `updated_at`, so "recently updated" would sort them all.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import WorkspaceScopedMixin
from core.models import Contact, Event, Workspace
from core.models.contact import BUILTIN_FIELDS

RECENT_SAMPLE = 2_000
MAX_EVENT_NAMES = 1_000

CatalogSerializer = inline_serializer(
    "Catalog",
    {
        "events": serializers.ListField(
            child=inline_serializer(
                "CatalogEvent",
                {
                    "name": serializers.CharField(),
                    "properties": serializers.ListField(child=serializers.CharField()),
                },
            )
        ),
        "fields": serializers.ListField(child=serializers.CharField()),
        "attributes": serializers.ListField(child=serializers.CharField()),
        "tags": serializers.ListField(child=serializers.CharField()),
    },
)


def event_names(workspace: Workspace, limit: int) -> list[str]:
    """Distinct event names of the workspace, in order, by index seeks (SQLite, PostgreSQL)."""
    quote = connection.ops.quote_name
    meta = Event._meta
    table = quote(meta.db_table)
    workspace_column = quote(meta.get_field("workspace").column)
    name = quote(meta.get_field("name").column)
    sql = (
        f"WITH RECURSIVE names(value) AS ("  # noqa: S608 - identifiers from the model
        f" SELECT MIN({name}) FROM {table} WHERE {workspace_column} = %s"
        f" UNION ALL"
        f" SELECT (SELECT MIN(e.{name}) FROM {table} e"
        f"   WHERE e.{workspace_column} = %s AND e.{name} > names.value)"
        f" FROM names WHERE names.value IS NOT NULL"
        f") SELECT value FROM names WHERE value IS NOT NULL LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace.pk, workspace.pk, limit])
        return [row[0] for row in cursor.fetchall()]


def catalog(workspace: Workspace) -> dict[str, Any]:
    properties: dict[str, set[str]] = {
        name: set() for name in event_names(workspace, MAX_EVENT_NAMES)
    }
    recent_events = Event.objects.filter(workspace=workspace).order_by("-id")[:RECENT_SAMPLE]
    active: set[int] = set()
    for name, props, contact_id in recent_events.values_list("name", "properties", "contact_id"):
        active.add(contact_id)
        names = properties.setdefault(name, set())  # beyond the cap, recent names still show
        if isinstance(props, dict):
            names.update(props)
    attributes: set[str] = set()
    tags: set[str] = set()
    contacts = Contact.objects.filter(workspace=workspace)
    newest = contacts.order_by("-id")[:RECENT_SAMPLE]
    for query in (newest, contacts.filter(pk__in=active)):
        for attrs, contact_tags in query.values_list("attributes", "tags"):
            if isinstance(attrs, dict):
                attributes.update(attrs)
            if isinstance(contact_tags, list):
                tags.update(tag for tag in contact_tags if isinstance(tag, str))
    return {
        "events": [
            {"name": name, "properties": sorted(properties[name])} for name in sorted(properties)
        ],
        "fields": list(BUILTIN_FIELDS),
        "attributes": sorted(attributes),
        "tags": sorted(tags),
    }


class CatalogView(WorkspaceScopedMixin, APIView):
    @extend_schema(responses={200: CatalogSerializer})
    def get(self, request: Request) -> Response:
        return Response(catalog(self.workspace))
