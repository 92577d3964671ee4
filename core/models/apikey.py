"""Workspace API keys.

Keys are long random strings, so a fast keyed hash (HMAC-SHA256) is as safe as a slow password
hash and lets a request be authenticated with one indexed lookup. The secret is shown once; the
visible prefix lets people tell keys apart in lists and logs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models.workspace import Workspace

KEY_PREFIX = "tf_"
VISIBLE_CHARS = 11  # "tf_" and the first eight random characters


class Scope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Write")
    INGEST = "ingest", _("Ingest")


ALL_SCOPES = [Scope.READ.value, Scope.WRITE.value, Scope.INGEST.value]


def digest_key(raw_key: str) -> str:
    secret = f"touchflow.apikey:{settings.SECRET_KEY}".encode()
    return hmac.new(secret, raw_key.encode(), hashlib.sha256).hexdigest()


def generate_raw_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class ApiKey(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("workspace")
    )
    name = models.CharField(max_length=200, blank=True, verbose_name=_("name"))
    prefix = models.CharField(max_length=VISIBLE_CHARS, editable=False, verbose_name=_("prefix"))
    digest = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("digest"))
    scopes = models.JSONField(default=list, verbose_name=_("scopes"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("last used at")
    )
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name_plural = _("API keys")
        verbose_name = _("API key")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.workspace})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
