"""Bearer API keys, and HTTP Basic with the key as user name for Segment's libraries."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from core.models import ApiKey
from core.models.apikey import digest_key


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """The `request.user` of a key-authenticated call: it is the workspace, not a person."""

    api_key: ApiKey
    is_authenticated: bool = True
    is_superuser: bool = False
    is_staff: bool = False

    @property
    def pk(self) -> None:
        return None

    def __str__(self) -> str:
        return f"api-key:{self.api_key.prefix}"


def authenticate_raw_key(raw_key: str) -> tuple[ApiKeyPrincipal, ApiKey]:
    key = ApiKey.objects.select_related("workspace").filter(digest=digest_key(raw_key)).first()
    if key is None:
        raise exceptions.AuthenticationFailed("Invalid API key.")
    if not key.is_active:
        raise exceptions.AuthenticationFailed("This API key has been revoked.")
    _note_use(key)
    return ApiKeyPrincipal(key), key


LAST_USED_RESOLUTION = timedelta(minutes=1)


def _note_use(key: ApiKey) -> None:
    """Record use at most once a minute per key: a write on every call would make each read
    take SQLite's write lock, and nobody needs `last_used_at` to the second."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Use 'Authorization: Bearer <key>'.")
        try:
            raw_key = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid API key.") from exc
        return authenticate_raw_key(raw_key)

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="touchflow"'


class SegmentBasicAuthentication(authentication.BaseAuthentication):
    """Segment's libraries send the write key as the Basic user name with no password."""

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"basic":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Basic credentials.")
        try:
            decoded = base64.b64decode(header[1], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise exceptions.AuthenticationFailed("Malformed Basic credentials.") from exc
        raw_key = decoded.partition(":")[0]
        return authenticate_raw_key(raw_key)

    def authenticate_header(self, request: Request) -> str:
        return 'Basic realm="touchflow"'
