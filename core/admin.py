"""Admin for the shared domain, scoped to the user's workspaces unless superuser."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import clock
from core.admin_scoping import READABLE_JSON, WorkspaceScopedAdmin, member_workspace_ids
from core.api.contact_fields import ContactFieldsSerializer
from core.models import ApiKey, Contact, Event, Membership, Segment, SuppressionEntry, Workspace
from core.services.apikeys import create_api_key, revoke_api_key
from core.services.segments import rule_errors
from core.signals import contact_changed


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "timezone", "created_at"]
    search_fields = ["slug", "name"]
    formfield_overrides = READABLE_JSON

    def get_queryset(self, request: HttpRequest) -> QuerySet[Workspace]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=member_workspace_ids(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if request.user.is_superuser:
            return True
        return obj is None or obj.pk in member_workspace_ids(request, writable=True)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(WorkspaceScopedAdmin):
    list_display = ["user", "workspace", "role"]
    list_filter = ["role"]


@admin.register(SuppressionEntry)
class SuppressionEntryAdmin(WorkspaceScopedAdmin):
    list_display = ["address", "channel", "workspace", "reason", "created_at"]
    search_fields = ["address"]


@admin.register(ApiKey)
class ApiKeyAdmin(WorkspaceScopedAdmin):
    """Keys are created here with a one-time message showing the secret, and revoked by action."""

    list_display = [
        "prefix",
        "name",
        "workspace",
        "scopes",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    fields = ["workspace", "name", "scopes", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw_key = create_api_key(obj.workspace, scopes=obj.scopes or [], name=obj.name)
        obj.pk = key.pk
        obj.prefix = key.prefix
        self.message_user(
            request,
            _("Copy this key now; it will not be shown again: %(key)s") % {"key": raw_key},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            revoke_api_key(key)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("Revoked %(count)d key.", "Revoked %(count)d keys.", count) % {"count": count},
        )


# The contact fields the API accepts, judged by its serializer in the admin too.
API_CONTACT_FIELDS = tuple(ContactFieldsSerializer().get_fields())


class ContactAdminForm(forms.ModelForm):
    """Judges the contact's fields as the API does (ContactFieldsSerializer), so the admin
    cannot store what the API refuses: an unknown time zone the engine could not send in, a
    phone not in E.164, an attribute named like a contact field, an unknown push provider."""

    class Meta:
        model = Contact
        fields = [
            "workspace",
            "external_id",
            *API_CONTACT_FIELDS,
            "unsubscribed",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        judged = ContactFieldsSerializer(
            data={
                name: cleaned[name] for name in API_CONTACT_FIELDS if cleaned.get(name) is not None
            }
        )
        if not judged.is_valid():
            for name, problems in judged.errors.items():
                for problem in _messages_of(problems):
                    self.add_error(name if name in self.fields else None, problem)
        return cleaned


def _messages_of(problems: Any) -> list[str]:
    """A serializer's errors for one field (a list, or nested by index or key) as lines."""
    if isinstance(problems, dict):
        return [f"{key}: {line}" for key, inner in problems.items() for line in _messages_of(inner)]
    if isinstance(problems, list):
        return [line for inner in problems for line in _messages_of(inner)]
    return [str(problems)]


@admin.register(Contact)
class ContactAdmin(WorkspaceScopedAdmin):
    form = ContactAdminForm
    list_display = ["external_id", "first_name", "last_name", "email", "phone", "workspace"]
    search_fields = ["external_id", "email", "phone", "first_name", "last_name"]
    list_filter = ["workspace"]
    readonly_fields = ["created_at", "updated_at"]

    def save_model(self, request: HttpRequest, obj: Contact, form: Any, change: bool) -> None:
        """Saved as the API saves: stamped by Touchflow's clock and announced, so segments and
        the journeys that enter on them see an admin's edit like any other change."""
        now = clock.now()
        if not change:
            obj.created_at = now
        obj.updated_at = now
        super().save_model(request, obj, form, change)
        contact_changed.send(
            sender=Contact, workspace=obj.workspace, contact=obj, created=not change
        )


@admin.register(Event)
class EventAdmin(WorkspaceScopedAdmin):
    list_display = ["name", "contact", "occurred_at", "received_at", "workspace"]
    search_fields = ["name", "contact__external_id"]
    list_select_related = ["contact", "workspace"]
    raw_id_fields = ["contact"]


class SegmentAdminForm(forms.ModelForm):
    """Judges the rule as the API does, so the admin cannot store a segment the API refuses."""

    class Meta:
        model = Segment
        fields = ["workspace", "key", "name", "rule"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        workspace, key = cleaned.get("workspace"), cleaned.get("key")
        if workspace is not None and key and "rule" in cleaned:
            for error in rule_errors(workspace, key, cleaned["rule"]):
                self.add_error("rule", f"{error.path}: {error.message} ({error.code})")
        return cleaned


@admin.register(Segment)
class SegmentAdmin(WorkspaceScopedAdmin):
    form = SegmentAdminForm
    list_display = ["key", "name", "workspace", "updated_at"]
    search_fields = ["key", "name"]
