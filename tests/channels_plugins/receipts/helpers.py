"""Posting signed receipts, as a provider or a bounce processor would."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.test import Client

from channels_plugins.models import ChannelAccount
from channels_plugins.receipt_hook import receipt_url
from channels_plugins.signed_receipts import signed_headers
from core import clock

SECRET = "s3cret-s3cret-s3cret"


def hook_path(account: ChannelAccount) -> str:
    return f"/hooks/{account.pk}/{account.hook_token}/"


def post_receipts(
    client: Client,
    account: ChannelAccount,
    body: Any,
    *,
    secret: str = SECRET,
    signed_at: datetime | None = None,
    path: str | None = None,
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = signed_headers(secret, raw, signed_at or clock.now())
    return client.post(
        path or hook_path(account),
        data=raw,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )


__all__ = ["SECRET", "hook_path", "post_receipts", "receipt_url"]
