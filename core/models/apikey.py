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

from core.models.workspace import Workspace

KEY_PREFIX = "tf_"
VISIBLE_CHARS = 11  # "tf_" and the first eight random characters


class Scope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"
    INGEST = "ingest", "Ingest"


ALL_SCOPES = [Scope.READ.value, Scope.WRITE.value, Scope.INGEST.value]


def digest_key(raw_key: str) -> str:
    secret = f"touchflow.apikey:{settings.SECRET_KEY}".encode()
    return hmac.new(secret, raw_key.encode(), hashlib.sha256).hexdigest()


def generate_raw_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class ApiKey(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=200, blank=True)
    prefix = models.CharField(max_length=VISIBLE_CHARS, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.workspace})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
