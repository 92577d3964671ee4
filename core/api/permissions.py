"""Scope checks: `read` for safe methods, `write` for changes, `ingest` where a view says so."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions
from rest_framework.request import Request

from core.api.workspace import resolve_access

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def required_scopes(view: Any, method: str) -> frozenset[str]:
    """Scopes of which the caller needs any one. Views may set `scopes_by_method`."""
    by_method: dict[str, frozenset[str]] = getattr(view, "scopes_by_method", {})
    if method in by_method:
        return by_method[method]
    return frozenset({"read"}) if method in SAFE_METHODS else frozenset({"write"})


class WorkspaceAccess(permissions.BasePermission):
    """The caller is authenticated, acts in a workspace, and holds a scope the call needs."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            raise exceptions.NotAuthenticated()
        access = resolve_access(request)
        if access is None:
            raise exceptions.PermissionDenied("You are not a member of any workspace.")
        needed = required_scopes(view, request.method or "GET")
        if not needed & access.grants:
            wanted = " or ".join(sorted(needed))
            raise exceptions.PermissionDenied(f"This call needs the {wanted} scope.")
        return True
