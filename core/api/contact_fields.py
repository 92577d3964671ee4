"""Validation of contact input, shared by the contacts endpoints and identify."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from rest_framework import serializers

from core.api.jsonvalues import require_storable
from core.models.contact import BUILTIN_FIELDS

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# The shape of an IANA key ("Asia/Shanghai", "Etc/GMT+8", "UTC"). Checked before ZoneInfo sees
# the text, because ZoneInfo opens files named after it: "America" is a directory and a long
# name is refused by the file system, both as OSErrors rather than "not found".
ZONE_KEY = re.compile(r"^[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*$")
# The contract's push providers (JOURNEY_FORMAT.md §2), not any string: a token is only used by
# an account of its own provider, so a misspelt provider would leave the contact silently
# unreachable. `core` cannot ask the plugin registry (dependencies point the other way); a
# third-party push provider means extending this list.
PUSH_PROVIDERS = ("huawei", "fcm", "sandbox")
CHANNEL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def check_email(value: str) -> None:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError("Enter a valid email address.") from exc


def check_phone(value: str) -> None:
    if value and not E164.match(value):
        raise serializers.ValidationError("Use E.164, e.g. +8613800000000.")


def is_time_zone(name: str) -> bool:
    if len(name) > 64 or not ZONE_KEY.match(name):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def check_timezone(value: str) -> None:
    if value and not is_time_zone(value):
        raise serializers.ValidationError(f"{value!r} is not an IANA time zone.")


class PushTokenSerializer(serializers.Serializer[Any]):
    provider = serializers.ChoiceField(choices=PUSH_PROVIDERS)
    token = serializers.CharField(max_length=4096)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and set(data) - {"provider", "token"}:
            raise serializers.ValidationError('A push token is {"provider", "token"}.')
        return super().to_internal_value(data)


class ContactFieldsSerializer(serializers.Serializer[Any]):
    """Every writable contact field; each optional so updates carry only what changed."""

    first_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.CharField(
        max_length=320, required=False, allow_blank=True, validators=[check_email]
    )
    phone = serializers.CharField(
        max_length=32, required=False, allow_blank=True, validators=[check_phone]
    )
    timezone = serializers.CharField(
        max_length=64, required=False, allow_blank=True, validators=[check_timezone]
    )
    locale = serializers.CharField(max_length=35, required=False, allow_blank=True)
    wechat_openid = serializers.CharField(max_length=128, required=False, allow_blank=True)
    push_tokens = PushTokenSerializer(many=True, required=False)
    attributes = serializers.DictField(required=False, validators=[require_storable])
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=1000
    )
    consents = serializers.DictField(child=serializers.BooleanField(), required=False)

    def validate_attributes(self, value: dict[str, Any]) -> dict[str, Any]:
        reserved = sorted(set(value) & set(BUILTIN_FIELDS))
        if reserved:
            raise serializers.ValidationError(
                f"{', '.join(reserved)} are contact fields, not attributes."
            )
        return value

    def validate_consents(self, value: dict[str, bool]) -> dict[str, bool]:
        bad = sorted(name for name in value if not CHANNEL_NAME.match(name))
        if bad:
            raise serializers.ValidationError(f"Not channel names: {', '.join(bad)}.")
        return value

    def validate_push_tokens(self, value: list[dict[str, str]]) -> list[dict[str, str]]:
        return [dict(token) for token in value]
