"""What every workspace-scoped view shares."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django.db.models import Model, QuerySet
from rest_framework import exceptions
from rest_framework.request import Request

from core.api.workspace import resolve_access
from core.models import Workspace

M = TypeVar("M", bound=Model)


class WorkspaceScopedMixin:
    """Gives views `self.workspace` and `self.scoped(queryset)`.

    Querysets must go through `scoped`, so another tenant's object is simply not found (404).
    """

    @property
    def workspace(self) -> Workspace:
        access = resolve_access(cast(Request, getattr(self, "request")))  # noqa: B009
        if access is None:
            raise exceptions.NotAuthenticated()
        return access.workspace

    def scoped(self, queryset: QuerySet[M], field: str = "workspace") -> QuerySet[M]:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation has no caller
            return queryset.none()
        filters: dict[str, Any] = {field: self.workspace}
        return queryset.filter(**filters)
