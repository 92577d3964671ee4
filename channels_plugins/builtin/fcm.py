"""The `fcm` provider: push through Firebase Cloud Messaging's HTTP v1 API.

HTTP v1 has no multicast: each message is one `POST {base_url}/v1/projects/{project_id}/
messages:send` carrying one device token. A batch goes out over one `httpx.Client` (connections
reused) from at most `concurrency` (≤ 8) threads, and each message gets its own outcome in
order. The bearer token comes from the account's service-account JSON (`fcm_auth`) and is cached
until shortly before it expires; a 401 refreshes it once and retries that message once.

FCM's `google.rpc.Status` errors map to Touchflow's kinds by the `FcmError.errorCode` in their
`details` (falling back to the HTTP status): see `failure_for` and docs/providers/fcm.md.

FCM has no delivery-receipt webhook (delivery data is in the BigQuery export and the Data
API), so this provider accepts no receipts (its hook answers 405). Each message's `data`
carries `touchflow_message_id`: an app that reports an open through `track` with
`properties.message_id` set to it moves the message to `opened` like any receipt.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from jsonschema import Draft202012Validator

from channels_plugins.base import (
    Failed,
    OutboundMessage,
    Outcome,
    Provider,
    RateLimit,
    Sent,
    retry_after_seconds,
)
from channels_plugins.builtin.fcm_auth import (
    GOOGLE_TOKEN_URI,
    TOKENS,
    ServiceAccount,
    ServiceAccountProblem,
    TokenFailed,
)
from channels_plugins.hookspecs import hookimpl
from channels_plugins.schema_fields import schema_field

DEFAULT_BASE_URL = "https://fcm.googleapis.com"
DEFAULT_TIMEOUT = 10.0
MAX_CONCURRENCY = 8
MESSAGE_ID_KEY = "touchflow_message_id"  # in `data`: what the app reports opens with
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"
APNS_PRIORITY = {"HIGH": "10", "NORMAL": "5"}


CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["project_id", "service_account_json"],
    "properties": {
        "project_id": schema_field(
            "string",
            "Project ID",
            "The Firebase project the apps' tokens belong to (Project settings → General).",
            minLength=1,
            pattern="^[a-z0-9-]+$",
        ),
        "service_account_json": schema_field(
            "string",
            "Service account key",
            "The whole JSON key file of a service account allowed to send FCM messages "
            "(client_email, private_key, token_uri); stored, never shown.",
            minLength=2,
            writeOnly=True,
        ),
        "base_url": schema_field(
            "string",
            "API base URL",
            "Where the FCM HTTP v1 API is reached; change it only for a proxy or a stand-in.",
            format="uri",
            default=DEFAULT_BASE_URL,
        ),
        "token_uri": schema_field(
            "string",
            "Token URI",
            "Where the service account's signed JWT is exchanged for an access token. Leave "
            "empty for the key file's own token_uri (normally Google's).",
            format="uri",
            default=GOOGLE_TOKEN_URI,
        ),
        "android_priority": schema_field(
            "string",
            "Android priority",
            "HIGH wakes the device at once (APNs priority 10); NORMAL may be delayed to save "
            "battery (APNs priority 5).",
            enum=["HIGH", "NORMAL"],
            default="HIGH",
        ),
        "android_channel_id": schema_field(
            "string",
            "Android notification channel",
            "The app's notification channel id the notification is posted to; empty for the "
            "app's default.",
        ),
        "ttl_seconds": schema_field(
            "integer",
            "Time to live",
            "Seconds FCM keeps a message for an offline Android device (at most 28 days); "
            "empty for FCM's default of 4 weeks.",
            minimum=0,
            maximum=2419200,
        ),
        "concurrency": schema_field(
            "integer",
            "Parallel requests",
            "How many messages of a batch are in flight at once over the shared connection.",
            minimum=1,
            maximum=MAX_CONCURRENCY,
            default=MAX_CONCURRENCY,
        ),
        "timeout": schema_field(
            "number",
            "Timeout",
            "Seconds to wait for FCM before giving up (the message is retried).",
            exclusiveMinimum=0,
            maximum=120,
            default=DEFAULT_TIMEOUT,
        ),
    },
}
_VALIDATOR = Draft202012Validator(CONFIG_SCHEMA)


class ConfigProblem(ValueError):
    """The account's config cannot send anything; every message of the batch fails `config`."""


@dataclass(frozen=True)
class FcmAccount:
    project_id: str
    service_account: ServiceAccount
    base_url: str
    android_priority: str
    android_channel_id: str
    ttl_seconds: int | None
    concurrency: int
    timeout: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FcmAccount:
        """Read a config; it was validated when saved, but the schema may have moved since."""
        errors = sorted(_VALIDATOR.iter_errors(dict(config)), key=lambda e: list(e.path))
        if errors:
            where = "/".join(str(part) for part in errors[0].path) or "config"
            raise ConfigProblem(f"{where}: {errors[0].message}")
        try:
            service_account = ServiceAccount.from_json(
                str(config["service_account_json"]), str(config.get("token_uri") or "")
            )
        except ServiceAccountProblem as exc:
            raise ConfigProblem(str(exc)) from exc
        ttl = config.get("ttl_seconds")
        return cls(
            project_id=str(config["project_id"]),
            service_account=service_account,
            base_url=str(config.get("base_url") or DEFAULT_BASE_URL).rstrip("/"),
            android_priority=str(config.get("android_priority", "HIGH")),
            android_channel_id=str(config.get("android_channel_id", "")),
            ttl_seconds=None if ttl is None else int(ttl),
            concurrency=int(config.get("concurrency", MAX_CONCURRENCY)),
            timeout=float(config.get("timeout", DEFAULT_TIMEOUT)),
        )

    @property
    def send_url(self) -> str:
        return f"{self.base_url}/v1/projects/{quote(self.project_id, safe='')}/messages:send"


def build_message(account: FcmAccount, message: OutboundMessage) -> dict[str, Any]:
    """The v1 `message` for one token: notification, string-only data, Android and APNs options."""
    content = message.content
    notification = {"title": str(content.get("title", "")), "body": str(content.get("body", ""))}
    if content.get("image"):
        notification["image"] = str(content["image"])
    raw_data = content.get("data")
    data = {str(k): str(v) for k, v in (raw_data.items() if isinstance(raw_data, Mapping) else ())}
    data[MESSAGE_ID_KEY] = str(message.id)
    android: dict[str, Any] = {"priority": account.android_priority}
    if account.ttl_seconds is not None:
        android["ttl"] = f"{account.ttl_seconds}s"
    android_notification: dict[str, str] = {}
    if account.android_channel_id:
        android_notification["channel_id"] = account.android_channel_id
    aps: dict[str, Any] = {}
    if content.get("click_action"):
        android_notification["click_action"] = str(content["click_action"])
        aps["category"] = str(content["click_action"])
    if android_notification:
        android["notification"] = android_notification
    apns: dict[str, Any] = {"headers": {"apns-priority": APNS_PRIORITY[account.android_priority]}}
    if aps:
        apns["payload"] = {"aps": aps}
    return {
        "token": message.to,
        "notification": notification,
        "data": data,
        "android": android,
        "apns": apns,
    }


def failure_for(response: httpx.Response) -> Failed:
    """What an FCM error answer means to dispatch (docs/providers/fcm.md has the table)."""
    error = _error(response)
    status = response.status_code
    code = _fcm_error_code(error) or str(error.get("status") or "")
    detail = f"{code or 'HTTP'} {status}: {error.get('message', '')}".rstrip(": ")
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if code == "UNREGISTERED":
        return Failed("invalid_recipient", detail)
    if code == "INVALID_ARGUMENT":
        if _about_token(error):
            return Failed("invalid_recipient", detail)
        return Failed("content_rejected", detail)
    if code in ("SENDER_ID_MISMATCH", "THIRD_PARTY_AUTH_ERROR") or status in (401, 403):
        return Failed("auth", detail)
    if code in ("QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED") or status == 429:
        return Failed("rate_limited", detail, retry_after=retry_after)
    if code in ("UNAVAILABLE", "INTERNAL", "UNSPECIFIED_ERROR") or status >= 500 or status == 408:
        return Failed("transient", detail, retry_after=retry_after)
    if status == 404:  # NOT_FOUND without UNREGISTERED: the project (or URL) is wrong
        return Failed("config", detail)
    return Failed("content_rejected", detail)


def _error(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"message": response.text[:200]}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _details(error: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    details = error.get("details")
    return [d for d in details if isinstance(d, Mapping)] if isinstance(details, list) else []


def _fcm_error_code(error: Mapping[str, Any]) -> str:
    for detail in _details(error):
        if detail.get("@type") == FCM_ERROR_TYPE and isinstance(detail.get("errorCode"), str):
            return str(detail["errorCode"])
    return ""


def _about_token(error: Mapping[str, Any]) -> bool:
    """Whether an INVALID_ARGUMENT is the device token's fault rather than the content's."""
    for detail in _details(error):
        if detail.get("@type") != BAD_REQUEST_TYPE:
            continue
        violations = detail.get("fieldViolations")
        for violation in violations if isinstance(violations, list) else []:
            if isinstance(violation, Mapping) and violation.get("field") == "message.token":
                return True
    return "registration token" in str(error.get("message", "")).lower()


class FcmProvider(Provider):
    def send(self, config: Mapping[str, Any], messages: Sequence[OutboundMessage]) -> list[Outcome]:
        try:
            account = FcmAccount.from_config(config)
        except ConfigProblem as exc:
            return [Failed("config", str(exc))] * len(messages)
        if not messages:
            return []
        workers = min(account.concurrency, len(messages))
        limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
        with httpx.Client(timeout=account.timeout, limits=limits) as client:
            try:
                token = TOKENS.token(account.service_account, client)
            except TokenFailed as exc:
                return [exc.failure] * len(messages)
            if workers == 1:
                return [_deliver(client, account, token, m) for m in messages]
            with ThreadPoolExecutor(max_workers=workers) as pool:
                return list(pool.map(lambda m: _deliver(client, account, token, m), messages))


def _deliver(
    client: httpx.Client, account: FcmAccount, token: str, message: OutboundMessage
) -> Outcome:
    """One message; a 401 (the token expired or was revoked early) refreshes it and retries once."""
    body = {"message": build_message(account, message)}
    response = _post(client, account, token, body)
    if (
        isinstance(response, httpx.Response)
        and response.status_code == 401
        and not _fcm_error_code(_error(response))
    ):
        try:
            token = TOKENS.token(account.service_account, client, stale=token)
        except TokenFailed as exc:
            return exc.failure
        response = _post(client, account, token, body)
    if isinstance(response, Failed):
        return response
    if response.status_code == 200:
        name = _name(response)
        if name:
            return Sent(name)
        return Failed("transient", "FCM answered 200 without a message name")
    return failure_for(response)


def _post(
    client: httpx.Client, account: FcmAccount, token: str, body: dict[str, Any]
) -> httpx.Response | Failed:
    try:
        return client.post(
            account.send_url,
            content=json.dumps(body, ensure_ascii=False).encode(),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json; charset=utf-8",
            },
        )
    except httpx.InvalidURL as exc:
        return Failed("config", f"base_url: {exc}")
    except httpx.HTTPError as exc:  # refused, reset, timed out: FCM may not have it
        return Failed("transient", f"{type(exc).__name__}: {exc}")


def _name(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    name = body.get("name") if isinstance(body, dict) else None
    return name if isinstance(name, str) else ""


FCM = FcmProvider(
    name="fcm",
    title="Firebase Cloud Messaging",
    description="Push to Android, iOS and web apps through FCM's HTTP v1 API.",
    channels=("push",),
    config_schema=CONFIG_SCHEMA,
    max_batch_size=500,  # as firebase-admin's send_each: one request per token regardless
    # FCM's default quota: 600,000 messages a minute per project.
    default_rate_limit=RateLimit(per_second=10_000, burst=10_000),
)


@hookimpl
def touchflow_register_providers(register: Callable[[Provider], None]) -> None:
    register(FCM)
