"""Which workspace a request acts on.

A key belongs to one workspace. A signed-in person may belong to several: the
`X-Touchflow-Workspace` header (or `?workspace=`) picks one by slug, otherwise their first
membership is used. Everything downstream is scoped to the result.
"""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework.request import Request

from core.api.authentication import ApiKeyPrincipal
from core.models import Membership, Role, Workspace
from core.models.apikey import ALL_SCOPES

ROLE_GRANTS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(ALL_SCOPES),
    Role.EDITOR: frozenset(ALL_SCOPES),
    Role.VIEWER: frozenset({"read"}),
}


@dataclass(frozen=True)
class WorkspaceAccess:
    workspace: Workspace
    grants: frozenset[str]  # scopes the caller holds in it


def resolve_access(request: Request) -> WorkspaceAccess | None:
    """The caller's workspace and grants, cached on the request; None when there is none."""
    cache: dict[str, WorkspaceAccess | None] = request.__dict__.setdefault("_touchflow_access", {})
    if "access" not in cache:
        cache["access"] = _resolve(request)
    return cache["access"]


def _resolve(request: Request) -> WorkspaceAccess | None:
    user = request.user
    if isinstance(user, ApiKeyPrincipal):
        key = user.api_key
        return WorkspaceAccess(key.workspace, frozenset(key.scopes))
    if user is None or not user.is_authenticated:
        return None
    slug = request.headers.get("X-Touchflow-Workspace") or request.query_params.get("workspace")
    memberships = Membership.objects.filter(user=user).select_related("workspace")
    if slug:
        memberships = memberships.filter(workspace__slug=slug)
    membership = memberships.order_by("workspace_id").first()
    if membership is not None:
        return WorkspaceAccess(membership.workspace, ROLE_GRANTS[membership.role])
    if user.is_superuser:
        workspaces = Workspace.objects.order_by("id")
        workspace = (workspaces.filter(slug=slug) if slug else workspaces).first()
        if workspace is not None:
            return WorkspaceAccess(workspace, frozenset(ALL_SCOPES))
    return None
