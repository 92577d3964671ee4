"""Channel account admin: secrets are write-only here too.

The editable config never holds secrets, so a page's HTML cannot leak them; a secret left out
keeps its stored value and typing one replaces it. The read-only view shows which secrets are
stored, masked. Every save goes through the account services. The receipt URL (whose token
authenticates receipts) is shown to those who may change the account, and an action replaces it.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from channels_plugins import gates, services
from channels_plugins.models import BreakerState, ChannelAccount, UnusableAddress
from channels_plugins.receipt_hook import receipt_url
from core.admin_scoping import ReadableJSONFormField, WorkspaceScopedAdmin

FORM_FIELDS = ("name", "channel", "provider", "config", "track_clicks")


class ChannelAccountForm(forms.ModelForm):  # type: ignore[type-arg]
    config = ReadableJSONFormField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80, "style": "font-family: monospace"}),
        help_text=_("Secret fields are not shown; leave them out to keep the stored values."),
    )

    class Meta:
        model = ChannelAccount
        fields = ["workspace", *FORM_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["config"] = services.public_config(self.instance)

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        existing = self.instance if self.instance.pk is not None else None
        channel = cleaned.get("channel", existing.channel if existing else None)
        provider = cleaned.get("provider")
        if channel is None or provider is None:
            return cleaned  # already reported as missing
        try:
            services.prepare_config(
                channel=channel,
                provider=provider,
                config=cleaned.get("config") or {},
                account=existing,
            )
        except services.AccountInvalid as exc:
            for error in exc.errors:
                self.add_error(error.field if error.field in self.fields else None, str(error))
        return cleaned


@admin.register(ChannelAccount)
class ChannelAccountAdmin(WorkspaceScopedAdmin):
    form = ChannelAccountForm
    list_display = ["name", "channel", "provider", "workspace", "track_clicks", "updated_at"]
    list_filter = ["channel", "provider"]
    search_fields = ["name"]
    actions = ["rotate_receipt_url"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # An account's workspace and channel are fixed once it exists (see services).
        fixed = ["workspace", "channel"] if obj is not None else []
        url = ["receipt_url"] if obj is not None and self._may_write(request, obj) else []
        return [*fixed, "stored_config", *url, "breaker", "created_at", "updated_at"]

    @admin.display(description=_("Receipt URL (give it to the provider)"))
    def receipt_url(self, account: ChannelAccount) -> str:
        return receipt_url(account) if account.pk is not None else "-"

    @admin.action(description=_("Replace the receipt URL (the old one stops working)"))
    def rotate_receipt_url(self, request: HttpRequest, queryset: QuerySet[ChannelAccount]) -> None:
        rotated = [a for a in queryset if self._may_write(request, a)]
        for account in rotated:
            services.rotate_hook_token(account)
        self.message_user(
            request,
            ngettext(
                "Replaced the receipt URL of %(count)d account.",
                "Replaced the receipt URL of %(count)d accounts.",
                len(rotated),
            )
            % {"count": len(rotated)},
        )

    @admin.display(description=_("Circuit breaker"))
    def breaker(self, account: ChannelAccount) -> str:
        if account.pk is None:
            return "-"
        status = gates.breaker_status(account)
        text = _("%(state)s, %(failures)s consecutive failures") % {
            "state": BreakerState(status["state"]).label,
            "failures": status["failures"],
        }
        if status["state"] != BreakerState.CLOSED:
            text += _("; opened %(opened)s UTC, next probe %(reopens)s UTC") % {
                "opened": f"{status['opened_at']:%Y-%m-%d %H:%M:%S}",
                "reopens": f"{status['reopens_at']:%Y-%m-%d %H:%M:%S}",
            }
        return text

    @admin.display(description=_("Stored config (secrets masked)"))
    def stored_config(self, account: ChannelAccount) -> str:
        if account.pk is None:
            return "-"
        text = json.dumps(services.masked_config(account), indent=2, ensure_ascii=False)
        return format_html("<pre>{}</pre>", text)

    def save_model(
        self, request: HttpRequest, obj: ChannelAccount, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        fields = {name: data.get(name, getattr(obj, name)) for name in FORM_FIELDS}
        fields["config"] = data.get("config") or {}
        if change:
            original = ChannelAccount.objects.get(pk=obj.pk)
            fields.pop("channel")
            saved = services.update_account(original, **fields)
        else:
            saved = services.create_account(data["workspace"], **fields)
        obj.pk, obj.hook_token = saved.pk, saved.hook_token
        obj.created_at, obj.updated_at = saved.created_at, saved.updated_at


@admin.register(UnusableAddress)
class UnusableAddressAdmin(WorkspaceScopedAdmin):
    """Deleting a row makes the address usable again (after the contact fixed their mailbox)."""

    list_display = ["address", "channel", "contact", "workspace", "reason", "created_at"]
    list_filter = ["channel"]
    search_fields = ["address"]
    raw_id_fields = ["contact"]
