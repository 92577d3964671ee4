"""Admin for the shared domain, scoped to the user's workspaces unless superuser."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_scoping import READABLE_JSON, WorkspaceScopedAdmin, member_workspace_ids
from core.models import ApiKey, Contact, Event, Membership, Segment, SuppressionEntry, Workspace
from core.services.apikeys import create_api_key, revoke_api_key
from core.services.segments import rule_errors


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


@admin.register(Contact)
class ContactAdmin(WorkspaceScopedAdmin):
    list_display = ["external_id", "first_name", "last_name", "email", "phone", "workspace"]
    search_fields = ["external_id", "email", "phone", "first_name", "last_name"]
    list_filter = ["workspace"]


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
