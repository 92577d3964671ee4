"""Contacts: the people journeys walk, identified by the caller's external id."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models.workspace import Workspace

# Fields a rule reads by name and an identify call sets directly (JOURNEY_FORMAT.md §1).
BUILTIN_FIELDS = (
    "email",
    "phone",
    "timezone",
    "locale",
    "first_name",
    "last_name",
    "created_at",
)


class Contact(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("workspace")
    )
    external_id = models.CharField(max_length=200, verbose_name=_("external id"))
    first_name = models.CharField(max_length=200, blank=True, verbose_name=_("first name"))
    last_name = models.CharField(max_length=200, blank=True, verbose_name=_("last name"))
    email = models.CharField(max_length=320, blank=True, verbose_name=_("email"))
    phone = models.CharField(
        max_length=32,
        blank=True,
        help_text=_("E.164, e.g. +8613800000000."),
        verbose_name=_("phone"),
    )
    push_tokens = models.JSONField(
        default=list,
        blank=True,
        help_text=_('[{"provider": "huawei", "token": "…"}]'),
        verbose_name=_("push tokens"),
    )
    wechat_openid = models.CharField(max_length=128, blank=True, verbose_name=_("WeChat openid"))
    timezone = models.CharField(
        max_length=64, blank=True, help_text=_("IANA name."), verbose_name=_("timezone")
    )
    locale = models.CharField(max_length=35, blank=True, verbose_name=_("locale"))
    attributes = models.JSONField(default=dict, blank=True, verbose_name=_("attributes"))
    tags = models.JSONField(default=list, blank=True, verbose_name=_("tags"))
    consents = models.JSONField(
        default=dict,
        blank=True,
        help_text=_('Per channel: {"sms": true, "email": false}.'),
        verbose_name=_("consents"),
    )
    unsubscribed = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Per channel: when the contact unsubscribed (ISO)."),
        verbose_name=_("unsubscribed"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))
    updated_at = models.DateTimeField(verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"], name="contact_external_id_unique"
            )
        ]

    def __str__(self) -> str:
        return self.external_id
