"""What every workspace-scoped view shares."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.request import Request

from core.api.workspace import resolve_access
from core.models import Workspace


class WorkspaceScopedMixin:
    """Gives views `self.workspace`; querysets must filter on it so other tenants are 404s."""

    request: Request

    @property
    def workspace(self) -> Workspace:
        access = resolve_access(self.request)
        if access is None:
            raise exceptions.NotAuthenticated()
        return access.workspace
