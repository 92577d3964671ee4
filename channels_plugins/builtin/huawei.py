"""The `huawei` provider: push notifications through Huawei Push Kit's server API v1.

For Android (EMUI) devices; HarmonyOS 5 devices need the v3 API, which this does not speak.
A send gets an OAuth client-credentials token (`huawei_tokens`: cached per process, refreshed
before it expires and once more when Huawei refuses it), then posts `messages:send`, which
takes up to 1,000 device tokens of one identical message. A batch is therefore grouped by
rendered content and category, and each group goes out in as few requests as possible; a token
appears at most once per request, so two messages to one device are two deliveries.

Huawei's answer covers the whole request: `80000000` all accepted; `80100000` some tokens
illegal (listed in `msg`, a JSON string), which fail as `invalid_recipient` (dispatch then
marks them unusable) while the rest are sent; any other code fails every message of the
request with the kind `CODES` gives (HTTP 503 is Huawei's flow control: `rate_limited`, with
`Retry-After` when given). Each sent message's provider id is `<requestId>:<token digest>`,
which receipts (`huawei_receipts`) name again.

`android.category` classifies the message: marketing messages are `MARKETING`; transactional
ones use the account's `transactional_category` (one of Huawei's service & communication
classes, granted by Huawei's self-classification approval) and otherwise carry none, so Huawei
classifies them itself. docs/providers/huawei.md has the configuration and the mappings.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from channels_plugins.base import (
    Failed,
    OutboundMessage,
    Outcome,
    Provider,
    Receipt,
    ReceiptRequest,
    Sent,
    retry_after_seconds,
)
from channels_plugins.builtin import huawei_receipts
from channels_plugins.builtin.huawei_tokens import (
    TOKENS,
    TokenRefused,
    cache_key,
    fetch_token,
    json_object,
)
from channels_plugins.hookspecs import hookimpl
from channels_plugins.schema_fields import schema_field

TOKEN_URL = "https://oauth-login.cloud.huawei.com/oauth2/v3/token"  # noqa: S105 - a URL
PUSH_URL = "https://push-api.cloud.huawei.com"
DEFAULT_TIMEOUT = 10.0
MAX_TOKENS = 1000  # per messages:send request
SUCCESS, PARTIAL = "80000000", "80100000"
AUTH_CODES = frozenset({"80200001", "80200003"})  # refresh the token once, then retry once
CODES = {
    "80100001": "config",  # parameter error
    "80100003": "config",  # illegal message structure
    "80100004": "config",  # bad TTL
    "80100016": "content_rejected",  # sensitive content
    "80200001": "auth",
    "80200003": "auth",
    "80300002": "config",  # no permission
    "80300007": "invalid_recipient",  # all tokens invalid
    "80300008": "config",  # message too large
    "80300010": "config",  # token count wrong
    "80600003": "transient",  # OAuth service request failed
    "81000001": "transient",  # internal error
}
MARKETING = "MARKETING"
SERVICE_CATEGORIES = (
    "IM",
    "VOIP",
    "SUBSCRIPTION",
    "TRAVEL",
    "HEALTH",
    "WORK",
    "ACCOUNT",
    "EXPRESS",
    "FINANCE",
    "DEVICE_REMINDER",
    "SYSTEM_REMINDER",
    "MAIL",
    "PLAY_VOICE",
)
CLICK_OPEN_APP, CLICK_INTENT, CLICK_URL = 3, 1, 2


CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["client_id", "client_secret"],
    "properties": {
        "client_id": schema_field(
            "string",
            "Client ID",
            "The app's OAuth 2.0 client ID from AppGallery Connect (Project settings → App "
            "information).",
            minLength=1,
        ),
        "client_secret": schema_field(
            "string",
            "Client secret",
            "The app's OAuth 2.0 client secret (stored, never shown).",
            minLength=1,
            writeOnly=True,
        ),
        "app_id": schema_field(
            "string",
            "App ID",
            "The app ID in the send URL; leave empty when it equals the client ID.",
            minLength=1,
        ),
        "token_url": schema_field(
            "string",
            "Token URL",
            "Huawei's OAuth 2.0 token endpoint.",
            format="uri",
            default=TOKEN_URL,
        ),
        "push_url": schema_field(
            "string",
            "Push API URL",
            "The Push Kit server's base URL; messages go to <base>/v1/<app id>/messages:send.",
            format="uri",
            default=PUSH_URL,
        ),
        "transactional_category": schema_field(
            "string",
            "Transactional category",
            "Huawei's service & communication class for transactional messages (needs "
            "Huawei's self-classification approval). Empty: Huawei classifies them itself. "
            "Marketing messages are always sent as MARKETING.",
            enum=list(SERVICE_CATEGORIES),
        ),
        "ttl": schema_field(
            "string",
            "Time to live",
            "How long Huawei keeps a message for an offline device, e.g. 86400s (its default).",
            pattern=r"^[0-9]{1,7}(\.[0-9]{1,9})?s$",
        ),
        "receipt_id": schema_field(
            "string",
            "Receipt ID",
            "Which receipt configuration in AppGallery Connect receives this account's "
            "receipts; empty for the app's default one.",
            minLength=1,
        ),
        huawei_receipts.USERNAME_FIELD: schema_field(
            "string",
            "Receipt user name",
            "The callback user name configured for receipts in AppGallery Connect.",
            minLength=1,
        ),
        huawei_receipts.KEY_FIELD: schema_field(
            "string",
            "Receipt key",
            "The callback key configured for receipts in AppGallery Connect; receipts are "
            "accepted only when signed with it (stored, never shown).",
            minLength=1,
            writeOnly=True,
        ),
        "timeout": schema_field(
            "number",
            "Timeout",
            "Seconds to wait for Huawei before giving up (the messages are retried).",
            exclusiveMinimum=0,
            maximum=120,
            default=DEFAULT_TIMEOUT,
        ),
    },
}


@dataclass(frozen=True)
class HuaweiAccount:
    client_id: str
    client_secret: str
    app_id: str
    token_url: str
    send_url: str
    transactional_category: str
    ttl: str
    receipt_id: str
    timeout: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> HuaweiAccount:
        client_id = str(config.get("client_id") or "")
        app_id = str(config.get("app_id") or client_id)
        push_url = str(config.get("push_url") or PUSH_URL).rstrip("/")
        return cls(
            client_id=client_id,
            client_secret=str(config.get("client_secret") or ""),
            app_id=app_id,
            token_url=str(config.get("token_url") or TOKEN_URL),
            send_url=f"{push_url}/v1/{app_id}/messages:send",
            transactional_category=str(config.get("transactional_category") or ""),
            ttl=str(config.get("ttl") or ""),
            receipt_id=str(config.get("receipt_id") or ""),
            timeout=float(config.get("timeout") or DEFAULT_TIMEOUT),
        )

    def category(self, message_category: str) -> str:
        """`android.category` for a message; "" leaves the field out."""
        if message_category == "transactional":
            return self.transactional_category
        return MARKETING  # marketing, and unknown: Huawei's own default class


@dataclass(frozen=True)
class Request:
    """One messages:send call: the batch positions it answers for and their tokens."""

    positions: list[int]
    tokens: list[str]
    body: dict[str, Any]


def message_body(account: HuaweiAccount, message: OutboundMessage) -> dict[str, Any]:
    """The `message` object without its `token` list: the same for every message of a group."""
    content = message.content
    notification: dict[str, Any] = {"title": content.get("title"), "body": content.get("body")}
    if content.get("image"):
        notification["image"] = content["image"]
    android_notification = {**notification, "click_action": _click_action(content)}
    android: dict[str, Any] = {"notification": android_notification}
    if category := account.category(message.category):
        android["category"] = category
    if account.ttl:
        android["ttl"] = account.ttl
    if account.receipt_id:
        android["receipt_id"] = account.receipt_id
    body: dict[str, Any] = {"notification": notification, "android": android}
    if content.get("data"):
        body["data"] = json.dumps(content["data"], separators=(",", ":"), ensure_ascii=False)
    return body


def _click_action(content: Mapping[str, Any]) -> dict[str, Any]:
    """A web URL opens in the browser, anything else is an intent URI (a deep link); without
    one the notification opens the app."""
    target = content.get("click_action")
    if not target:
        return {"type": CLICK_OPEN_APP}
    if str(target).startswith(("http://", "https://")):
        return {"type": CLICK_URL, "url": target}
    return {"type": CLICK_INTENT, "intent": target}


def plan(account: HuaweiAccount, messages: Sequence[OutboundMessage]) -> list[Request]:
    """Group the batch by identical message body, each group into requests of distinct tokens
    (at most MAX_TOKENS), in the batch's order of first appearance."""
    groups: dict[tuple[str, str], list[int]] = {}
    for position, message in enumerate(messages):
        # The body depends on the content and the category only: keying on them spares
        # building a body per message (a batch is up to 1,000 of them).
        key = (account.category(message.category), json.dumps(message.content, sort_keys=True))
        groups.setdefault(key, []).append(position)
    requests = []
    for positions in groups.values():
        body = message_body(account, messages[positions[0]])
        for chunk in _distinct_chunks(positions, messages):
            tokens = [messages[position].to for position in chunk]
            payload = {"validate_only": False, "message": {**body, "token": tokens}}
            requests.append(Request(chunk, tokens, payload))
    return requests


def _distinct_chunks(
    positions: list[int], messages: Sequence[OutboundMessage]
) -> Iterator[list[int]]:
    pending = positions
    while pending:
        chunk: list[int] = []
        seen: set[str] = set()
        later: list[int] = []
        for position in pending:
            token = messages[position].to
            if token in seen or len(chunk) == MAX_TOKENS:
                later.append(position)
            else:
                seen.add(token)
                chunk.append(position)
        yield chunk
        pending = later


class HuaweiProvider(Provider):
    def send(self, config: Mapping[str, Any], messages: Sequence[OutboundMessage]) -> list[Outcome]:
        account = HuaweiAccount.from_config(config)
        outcomes: list[Outcome] = [Failed("transient", "not attempted")] * len(messages)
        for request in plan(account, messages):
            for position, outcome in zip(request.positions, deliver(account, request), strict=True):
                outcomes[position] = outcome
        return outcomes

    def verify_receipt(self, config: Mapping[str, Any], request: ReceiptRequest) -> None:
        huawei_receipts.verify(config, request)

    def parse_receipts(self, config: Mapping[str, Any], request: ReceiptRequest) -> list[Receipt]:
        return huawei_receipts.parse(request)


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def http_client() -> httpx.Client:
    """One connection pool per process: keep-alive connections to Huawei are reused across
    batches and dispatch workers (httpx clients are safe to share between threads)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(limits=httpx.Limits(max_connections=32))
        return _client


def deliver(account: HuaweiAccount, request: Request) -> list[Outcome]:
    """Post one request; on an auth error refresh the token once and post it once more."""
    client = http_client()
    key = cache_key(account.token_url, account.client_id, account.client_secret)

    def fetch() -> tuple[str, float]:
        return fetch_token(
            client, account.token_url, account.client_id, account.client_secret, account.timeout
        )

    try:
        token = TOKENS.get(key, fetch)
        outcomes = _post(client, account, request, token)
        if outcomes is None:
            TOKENS.invalidate(key, token)
            outcomes = _post(client, account, request, TOKENS.get(key, fetch))
    except TokenRefused as refused:
        return [refused.failure] * len(request.positions)
    if outcomes is None:
        return [Failed("auth", "Huawei refused a freshly issued token")] * len(request.positions)
    return outcomes


def _post(
    client: httpx.Client, account: HuaweiAccount, request: Request, token: str
) -> list[Outcome] | None:
    """The request's outcomes, or None when Huawei refused the token."""
    try:
        response = client.post(
            account.send_url,
            content=json.dumps(request.body, separators=(",", ":")).encode(),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json; charset=UTF-8",
            },
            timeout=account.timeout,
        )
    except httpx.TransportError as exc:
        return [Failed("transient", f"Huawei unreachable: {exc!r}")] * len(request.tokens)
    return outcomes_for(response, request.tokens)


def outcomes_for(response: httpx.Response, tokens: list[str]) -> list[Outcome] | None:
    """What Huawei's answer means for each token of the request (None: refresh the token)."""
    body = json_object(response)
    code = str(body.get("code") or "")
    request_id = str(body.get("requestId") or "")
    status = response.status_code
    if status == 200 and code in (SUCCESS, PARTIAL):
        illegal = _illegal_tokens(body) if code == PARTIAL else set()
        return [
            Failed("invalid_recipient", f"{PARTIAL}: illegal token")
            if token in illegal
            else Sent(huawei_receipts.provider_message_id(request_id, token))
            for token in tokens
        ]
    if status == 401 or code in AUTH_CODES:
        return None
    detail = f"HTTP {status} {code} {body.get('msg') or ''}".strip()[:200]
    if status == 503:
        failure = Failed(
            "rate_limited", detail, retry_after_seconds(response.headers.get("Retry-After"))
        )
    elif code in CODES:
        failure = Failed(CODES[code], detail)
    else:
        failure = Failed("transient" if status >= 500 else "config", detail)
    return [failure] * len(tokens)


def _illegal_tokens(body: Mapping[str, Any]) -> set[str]:
    """`msg` is a JSON string: {"success": n, "failure": m, "illegal_tokens": [...]}. One that
    cannot be read names no token: the accepted ones must not be sent twice."""
    try:
        detail = json.loads(str(body.get("msg") or ""))
    except ValueError:
        return set()
    listed = detail.get("illegal_tokens") if isinstance(detail, dict) else None
    return (
        {token for token in listed if isinstance(token, str)} if isinstance(listed, list) else set()
    )


HUAWEI = HuaweiProvider(
    name="huawei",
    title="Huawei Push Kit",
    description="Push notifications to Huawei (EMUI) Android devices through Push Kit v1.",
    channels=("push",),
    config_schema=CONFIG_SCHEMA,
    max_batch_size=MAX_TOKENS,  # one messages:send request takes 1,000 tokens of one message
)


@hookimpl
def touchflow_register_providers(register: Callable[[Provider], None]) -> None:
    register(HUAWEI)
