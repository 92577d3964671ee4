"""Contacts: upsert by external id, read, patch, delete, and bulk upsert."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import WorkspaceScopedMixin
from core.api.contact_fields import ContactFieldsSerializer
from core.api.serializers import StrictFieldsMixin
from core.conf import touchflow_settings
from core.models import Contact
from core.services import contacts as contact_services

WRITE_OR_INGEST = frozenset({"write", "ingest"})


class ContactSerializer(StrictFieldsMixin, ContactFieldsSerializer):
    # The caller's id, kept exactly: " u1" and "u1" are different people to them.
    external_id = serializers.CharField(max_length=200, trim_whitespace=False)
    unsubscribed = serializers.DictField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class ContactPatchSerializer(StrictFieldsMixin, ContactFieldsSerializer):
    """The external id names the contact in the URL and cannot change."""


SEARCHED_FIELDS = ("external_id", "email", "phone", "first_name", "last_name")


def matching(contacts: QuerySet[Contact], text: str) -> QuerySet[Contact]:
    """Contacts whose id, address or name starts with `text` (case-insensitive).

    A prefix, not a substring: the canvas's contact picker completes what the user types, and a
    prefix keeps the match as narrow as the text typed."""
    condition = Q()
    for name in SEARCHED_FIELDS:
        condition |= Q(**{f"{name}__istartswith": text})
    return contacts.filter(condition)


class ContactListView(WorkspaceScopedMixin, generics.ListAPIView[Contact]):
    serializer_class = ContactSerializer
    scopes_by_method = {"POST": WRITE_OR_INGEST}

    def get_queryset(self) -> QuerySet[Contact]:
        contacts = self.scoped(Contact.objects.all())
        text = self.request.query_params.get("q", "").strip()
        return matching(contacts, text) if text else contacts

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                str,
                description="Only contacts whose external id, email, phone, first or last name "
                "starts with this text (case-insensitive).",
            )
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ContactSerializer, responses={200: ContactSerializer, 201: ContactSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = ContactSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact, created = contact_services.upsert_contact(
            self.workspace, serializer.validated_data
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ContactSerializer(contact).data, status=code)


class ContactDetailView(WorkspaceScopedMixin, APIView):
    serializer_class = ContactSerializer

    def get_object(self, external_id: str) -> Contact:
        return get_object_or_404(self.scoped(Contact.objects.all()), external_id=external_id)

    @extend_schema(responses={200: ContactSerializer})
    def get(self, request: Request, external_id: str) -> Response:
        return Response(ContactSerializer(self.get_object(external_id)).data)

    @extend_schema(request=ContactPatchSerializer, responses={200: ContactSerializer})
    def patch(self, request: Request, external_id: str) -> Response:
        contact = self.get_object(external_id)
        serializer = ContactPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = contact_services.update_contact(contact, serializer.validated_data)
        return Response(ContactSerializer(contact).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, external_id: str) -> Response:
        contact_services.delete_contact(self.get_object(external_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BulkResultSerializer(serializers.Serializer[Any]):
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "updated", "error"])
    errors = serializers.DictField(required=False)  # type: ignore[assignment]


class BulkItemField(serializers.JSONField):
    """Any JSON item, passed through as parsed: each is judged alone by ContactSerializer, so
    one bad item (even one holding a number too large to store) cannot fail the envelope."""

    def to_internal_value(self, data: Any) -> Any:
        return data


class BulkRequestSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    contacts = serializers.ListField(child=BulkItemField(), allow_empty=False)

    def validate_contacts(self, value: list[Any]) -> list[Any]:
        limit = touchflow_settings.MAX_BATCH_ITEMS
        if len(value) > limit:
            raise serializers.ValidationError(f"At most {limit} contacts per call.")
        return value


class ContactBulkView(ContactDetailView):
    """Each item is judged alone: bad items are reported, good ones stored in one transaction.

    The path `contacts/bulk/` also names the contact whose external id is "bulk": reads,
    patches and deletes of it are that contact's.
    """

    scopes_by_method = {"POST": WRITE_OR_INGEST}

    @extend_schema(
        request=BulkRequestSerializer,
        responses={
            200: inline_serializer("BulkResults", {"results": BulkResultSerializer(many=True)})
        },
    )
    def get(self, request: Request, external_id: str = "bulk") -> Response:
        return super().get(request, "bulk")

    def patch(self, request: Request, external_id: str = "bulk") -> Response:
        return super().patch(request, "bulk")

    def delete(self, request: Request, external_id: str = "bulk") -> Response:
        return super().delete(request, "bulk")

    def post(self, request: Request) -> Response:
        envelope = BulkRequestSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        results: list[dict[str, Any]] = []
        valid: list[dict[str, Any]] = []
        # One serializer validates every item: building one per item deep-copies its fields
        # each time, which was two thirds of a 10,000-item call.
        validator = ContactSerializer()
        for item in envelope.validated_data["contacts"]:
            try:
                data = validator.run_validation(item)
            except serializers.ValidationError as exc:
                external_id = item.get("external_id") if isinstance(item, dict) else None
                results.append(
                    {
                        "external_id": external_id if isinstance(external_id, str) else None,
                        "status": "error",
                        "errors": exc.detail,
                    }
                )
            else:
                valid.append(data)
                results.append({"external_id": data["external_id"]})
        created = contact_services.bulk_upsert(self.workspace, valid)
        seen: set[str] = set()  # a repeated new id is created once, then updated
        for result in results:
            if "status" not in result:
                external_id = result["external_id"]
                is_new = created[external_id] and external_id not in seen
                result["status"] = "created" if is_new else "updated"
                seen.add(external_id)
        return Response({"results": results})
