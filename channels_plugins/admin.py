"""Channel account admin: secrets are write-only here too."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html

from channels_plugins import services
from channels_plugins.models import ChannelAccount
from core.admin_scoping import ReadableJSONFormField, WorkspaceScopedAdmin


class ChannelAccountForm(forms.ModelForm):  # type: ignore[type-arg]
    """The config field starts without secrets; secrets left out keep their stored values."""

    config = ReadableJSONFormField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80, "style": "font-family: monospace"}),
        help_text="Secret fields are not shown; leave them out to keep the stored values.",
    )

    class Meta:
        model = ChannelAccount
        fields = ["workspace", "name", "channel", "provider", "config", "track_clicks"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["config"] = services.public_config(self.instance)


@admin.register(ChannelAccount)
class ChannelAccountAdmin(WorkspaceScopedAdmin):
    form = ChannelAccountForm
    list_display = ["name", "channel", "provider", "workspace", "track_clicks", "updated_at"]
    list_filter = ["channel", "provider"]
    search_fields = ["name"]
    readonly_fields = ["public_config_view"]

    @admin.display(description="Stored config (secrets hidden)")
    def public_config_view(self, account: ChannelAccount) -> str:
        text = json.dumps(services.public_config(account), indent=2, ensure_ascii=False)
        return format_html("<pre>{}</pre>", text)

    def save_model(
        self, request: HttpRequest, obj: ChannelAccount, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        fields = {k: data[k] for k in ("name", "channel", "provider", "track_clicks")}
        fields["config"] = data.get("config") or {}
        try:
            if change:
                original = ChannelAccount.objects.get(pk=obj.pk)
                saved = services.update_account(original, **fields)
            else:
                saved = services.create_account(data["workspace"], **fields)
        except services.AccountInvalid as exc:
            self.message_user(request, f"Not saved: {exc}", messages.ERROR)
            return
        obj.pk = saved.pk
