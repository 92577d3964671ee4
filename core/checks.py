"""System checks for Touchflow's own settings (ids touchflow.E1xx; channel checks use E0xx)."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.core.checks import CheckMessage, Error, register

from core.conf import touchflow_settings


@register()
def check_public_url(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Links in messages are built from PUBLIC_URL; a relative or odd one breaks every link."""
    url = touchflow_settings.PUBLIC_URL
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc and not parts.query:
        return []
    return [
        Error(
            f"TOUCHFLOW_PUBLIC_URL {url!r} is not an absolute http(s) URL.",
            hint="Set it to the address people reach Touchflow at, e.g. https://touchflow.example.com.",
            id="touchflow.E101",
        )
    ]


@register()
def check_webhook_blocked_networks(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """A network that does not parse would fail every webhook call at dispatch time."""
    bad = []
    for spec in touchflow_settings.WEBHOOK_BLOCKED_NETWORKS:
        try:
            ipaddress.ip_network(spec, strict=False)
        except (TypeError, ValueError):
            bad.append(spec)
    if not bad:
        return []
    return [
        Error(
            f"TOUCHFLOW_WEBHOOK_BLOCKED_NETWORKS holds what is not a network: {bad!r}.",
            hint='Give comma-separated CIDR ranges, e.g. "169.254.0.0/16,10.0.0.0/8".',
            id="touchflow.E102",
        )
    ]
