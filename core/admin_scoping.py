"""Admin classes see only the workspaces their user belongs to (superusers see all)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from core.models import Membership, Role, Workspace


def member_workspace_ids(request: HttpRequest, *, writable: bool = False) -> list[int]:
    if not request.user.is_authenticated:
        return []
    memberships = Membership.objects.filter(user_id=request.user.pk or 0)
    if writable:
        memberships = memberships.filter(role__in=[Role.OWNER, Role.EDITOR])
    return list(memberships.values_list("workspace_id", flat=True))


class ReadableJSONFormField(forms.JSONField):
    """JSON indented for people: Django's default puts a whole journey on one line."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False)


READABLE_JSON: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.JSONField: {
        "form_class": ReadableJSONFormField,
        "widget": forms.Textarea(
            attrs={"rows": 12, "cols": 100, "style": "font-family: monospace"}
        ),
    }
}


class WorkspaceScopedAdmin(admin.ModelAdmin):
    """Scope a tenant-owned model's admin by its `workspace_path` (default "workspace").

    Viewers may look but not change; editors and owners change what is theirs. JSON fields are
    shown indented.
    """

    workspace_path = "workspace"
    formfield_overrides = READABLE_JSON

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.workspace_path}__in": member_workspace_ids(request)})

    def _workspace_of(self, obj: Model) -> Workspace | None:
        current: Any = obj
        for part in self.workspace_path.split("__"):
            current = getattr(current, part, None)
        return current if isinstance(current, Workspace) else None

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may_write(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may_write(request, obj) and super().has_delete_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._may_write(request, None) and super().has_add_permission(request, *args)

    def _may_write(self, request: HttpRequest, obj: Model | None) -> bool:
        if request.user.is_superuser:
            return True
        writable = member_workspace_ids(request, writable=True)
        if obj is None:
            return bool(writable)
        workspace = self._workspace_of(obj)
        return workspace is not None and workspace.pk in writable

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Workspace and not request.user.is_superuser:
            kwargs["queryset"] = Workspace.objects.filter(
                pk__in=member_workspace_ids(request, writable=True)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
