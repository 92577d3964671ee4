"""Journey admin: drafts edited as JSON through the same services as the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_scoping import WorkspaceScopedAdmin
from journeys import services
from journeys.models import Journey, JourneyVersion

# What the pause and resume actions report, per journey.
DONE = {
    "pause": _("%(journey)s: paused."),
    "resume": _("%(journey)s: resumed."),
}


class JourneyAdminForm(forms.ModelForm):
    """Carries the rev the editor loaded, so saving a stale page is refused, not merged."""

    expected_rev = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Journey
        fields = ["workspace", "name", "description", "definition"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["expected_rev"].initial = self.instance.rev


@admin.register(Journey)
class JourneyAdmin(WorkspaceScopedAdmin):
    form = JourneyAdminForm
    list_display = ["name", "canvas_link", "workspace", "status", "rev", "updated_at"]
    list_filter = ["status", "workspace"]
    search_fields = ["name"]
    readonly_fields = ["status", "rev", "created_at", "updated_at"]
    fields = ["workspace", "name", "description", "definition", "expected_rev", *readonly_fields]
    actions = ["publish", "pause", "resume"]

    @admin.display(description=_("Canvas"))
    def canvas_link(self, journey: Journey) -> str:
        url = reverse("journey-canvas", args=[journey.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open"))

    def save_model(self, request: HttpRequest, obj: Journey, form: Any, change: bool) -> None:
        """Edits go through `update_journey`, so a concurrent API edit is not overwritten."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        editable = {"name", "description", "definition"}
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in editable}
        if not changes:
            return
        expected_rev = form.cleaned_data.get("expected_rev") or obj.rev
        try:
            services.update_journey(obj, rev=expected_rev, changes=changes)
        except services.JourneyError as exc:
            self.message_user(request, str(exc), messages.ERROR)

    def _run(self, request: HttpRequest, queryset: QuerySet[Journey], verb: str) -> None:
        for journey in queryset:
            try:
                if verb == "publish":
                    user_id = request.user.pk if request.user.is_authenticated else None
                    version = services.publish_journey(
                        journey, publisher=services.Publisher(user_id=user_id)
                    )
                    self.message_user(
                        request,
                        _("%(journey)s: published version %(number)s.")
                        % {"journey": journey, "number": version.number},
                    )
                else:
                    services.change_status(journey, verb)
                    self.message_user(request, DONE[verb] % {"journey": journey})
            except services.InvalidDocument as exc:
                details = "; ".join(
                    _("%(code)s at %(path)s: %(message)s")
                    % {"code": error.code, "path": error.path, "message": error.message}
                    for error in exc.errors[:5]
                )
                self.message_user(request, f"{journey}: {exc} {details}", messages.ERROR)
            except services.JourneyError as exc:
                self.message_user(request, f"{journey}: {exc}", messages.ERROR)

    @admin.action(description=_("Publish the selected journeys"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Journey]) -> None:
        self._run(request, queryset, "publish")

    @admin.action(description=_("Pause the selected journeys"))
    def pause(self, request: HttpRequest, queryset: QuerySet[Journey]) -> None:
        self._run(request, queryset, "pause")

    @admin.action(description=_("Resume the selected journeys"))
    def resume(self, request: HttpRequest, queryset: QuerySet[Journey]) -> None:
        self._run(request, queryset, "resume")


@admin.register(JourneyVersion)
class JourneyVersionAdmin(WorkspaceScopedAdmin):
    """Versions are immutable: the admin only shows them."""

    workspace_path = "journey__workspace"
    list_display = ["journey", "number", "published_at", "published_by", "checksum"]
    list_select_related = ["journey", "published_by"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
