"""Contacts: the people journeys walk, identified by the caller's external id."""

from __future__ import annotations

from django.db import models

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
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contacts")
    external_id = models.CharField(max_length=200)
    first_name = models.CharField(max_length=200, blank=True)
    last_name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=320, blank=True)
    phone = models.CharField(max_length=32, blank=True, help_text="E.164, e.g. +8613800000000.")
    push_tokens = models.JSONField(
        default=list, blank=True, help_text='[{"provider": "huawei", "token": "…"}]'
    )
    wechat_openid = models.CharField(max_length=128, blank=True)
    timezone = models.CharField(max_length=64, blank=True, help_text="IANA name.")
    locale = models.CharField(max_length=35, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    consents = models.JSONField(
        default=dict, blank=True, help_text='Per channel: {"sms": true, "email": false}.'
    )
    unsubscribed = models.JSONField(
        default=dict, blank=True, help_text="Per channel: when the contact unsubscribed (ISO)."
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"], name="contact_external_id_unique"
            )
        ]

    def __str__(self) -> str:
        return self.external_id
