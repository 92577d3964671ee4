"""The canvas page and the "new journey" entry, for signed-in members of the journey's workspace.

The page itself only hands the app what it needs (ids, CSRF token, the caller's role); the app
talks to the same REST API integrators use, with the session, so roles are enforced there too.
A viewer gets the canvas read-only; owners, editors and superusers may edit.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from channels_plugins.api.views import channel_catalog
from core.admin_scoping import member_workspace_ids
from core.js_catalog import catalog_version
from core.models import Membership, Role, Workspace
from journeys import services
from journeys.api.serializers import JourneySerializer
from journeys.canvas.assets import BundleMissing, canvas_bundle
from journeys.canvas.templates import starting_document, starting_points
from journeys.catalog import NODE_TYPES
from journeys.models import Journey


def _role(request: HttpRequest, workspace: Workspace) -> str | None:
    """The caller's role in the workspace; superusers act as owners everywhere."""
    if request.user.is_superuser:
        return Role.OWNER
    memberships = Membership.objects.filter(user_id=request.user.pk or 0, workspace=workspace)
    membership = memberships.first()
    return membership.role if membership else None


@staff_member_required
def canvas(request: HttpRequest, pk: int) -> HttpResponse:
    journey = get_object_or_404(Journey.objects.select_related("workspace"), pk=pk)
    role = _role(request, journey.workspace)
    if role is None:
        raise Http404
    try:
        bundle = canvas_bundle()
    except BundleMissing:
        return render(request, "journeys/canvas_missing.html", status=503)
    context = {
        "journey": journey,
        "initial": _initial_data(journey),
        "bundle": bundle,
        "read_only": role == Role.VIEWER,
        "api_base": reverse("journey-list").removesuffix("journeys/"),
        "catalog_version": catalog_version(),
    }
    return render(request, "journeys/canvas.html", context)


def _initial_data(journey: Journey) -> dict[str, Any]:
    """What the editor would first ask the API for, as the API would answer it: embedded in the
    page, it saves the editor a round of requests before it can draw anything."""
    journey = Journey.objects.prefetch_related("versions").get(pk=journey.pk)
    return {
        "journey": JourneySerializer(journey).data,
        "node_types": [node_type.as_dict() for node_type in NODE_TYPES],
        "channels": channel_catalog()["channels"],
    }


@staff_member_required
@require_http_methods(["GET", "POST"])
def new_journey(request: HttpRequest) -> HttpResponse:
    """GET offers a name, a workspace and a starting point; POST creates the draft and opens it."""
    writable = _writable_workspaces(request)
    if not writable:
        raise Http404
    if request.method == "GET":
        context = {"workspaces": writable, "starting_points": starting_points()}
        return render(request, "journeys/new_journey.html", context)
    chosen = request.POST.get("workspace")
    workspace = next((w for w in writable if str(w.pk) == chosen), writable[0])
    name = (request.POST.get("name") or "").strip()[:200] or _("Untitled journey")
    journey = services.create_journey(
        workspace, name=name, definition=starting_document(request.POST.get("start", ""))
    )
    return HttpResponseRedirect(reverse("journey-canvas", args=[journey.pk]))


def _writable_workspaces(request: HttpRequest) -> list[Workspace]:
    workspaces = Workspace.objects.order_by("name")
    if not request.user.is_superuser:
        workspaces = workspaces.filter(pk__in=member_workspace_ids(request, writable=True))
    return list(workspaces)
