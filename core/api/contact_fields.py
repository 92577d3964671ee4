"""Validation of contact input, shared by the contacts endpoints and identify."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from rest_framework import serializers

from core.models.contact import BUILTIN_FIELDS

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
PUSH_PROVIDERS = ("huawei", "fcm", "apns", "sandbox")
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


def check_timezone(value: str) -> None:
    if value:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise serializers.ValidationError(f"{value!r} is not an IANA time zone.") from exc


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
    attributes = serializers.DictField(required=False)
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
