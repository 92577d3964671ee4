"""Teach drf-spectacular our authentication schemes, so the OpenAPI document names them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A workspace API key: `Authorization: Bearer tf_…`.",
        }


class SegmentBasicScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.authentication.SegmentBasicAuthentication"
    name = "segmentBasic"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "basic",
            "description": "Segment libraries' style: the API key as user name, no password.",
        }
