"""The `twilio` provider: SMS through Twilio Programmable Messaging (REST API 2010-04-01).

Hand-written with httpx rather than the official `twilio` package: a send is one form POST
and a receipt check one HMAC, while the package brings requests, aiohttp and PyJWT, and its
client would not share our pooled, thread-safe connection (docs/providers/twilio.md).

Send: `POST {base_url}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic
`AccountSid:AuthToken`, form fields `To`, `From` or `MessagingServiceSid`, `Body` (or
`ContentSid`/`ContentVariables` for an approved template) and `StatusCallback` (the account's
receipt URL). One request per message; a batch's requests go out over one kept-alive client,
at most `concurrency` (≤ 8) at a time. Twilio's error codes map to Touchflow's failure kinds in
`failure_for`; 21610 (the recipient replied STOP) also unsubscribes the contact from SMS
(`touchflow_after_send` below).

Receipts, at the account's receipt URL, signed with `X-Twilio-Signature` (HMAC-SHA1 with the
auth token over the URL Twilio called plus the sorted form parameters): status callbacks
(`MessageStatus` delivered → `message.delivered`, undelivered/failed → `message.failed`) and
inbound messages, where a STOP keyword unsubscribes every contact with that number from SMS
(an opt-out receipt, `channels_plugins.opt_outs`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx
from django.db import transaction

from channels_plugins.base import (
    Failed,
    OutboundMessage,
    Outcome,
    Provider,
    Receipt,
    ReceiptMalformed,
    ReceiptProblem,
    ReceiptRejected,
    ReceiptRequest,
    Sent,
    retry_after_seconds,
)
from channels_plugins.hookspecs import hookimpl
from channels_plugins.schema_fields import schema_field
from channels_plugins.tracking import leave_channel
from core.models import Contact

NAME = "twilio"
DEFAULT_BASE_URL = "https://api.twilio.com"
API_VERSION = "2010-04-01"
DEFAULT_TIMEOUT = 10.0
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 8
SIGNATURE_HEADER = "x-twilio-signature"

# Synchronous error codes (providers.md A3.1) → failure kind. Anything else: 5xx transient,
# 401 auth, 429 rate_limited, other 4xx config.
ERROR_KINDS: dict[int, str] = {
    20003: "auth",  # authentication failed
    20429: "rate_limited",  # too many requests / concurrency
    21211: "invalid_recipient",  # 'To' is not a valid phone number
    21614: "invalid_recipient",  # 'To' is not SMS-capable (a landline)
    21610: "invalid_recipient",  # the recipient replied STOP: Twilio refuses until START
    21606: "config",  # 'From' is not SMS-capable
    21608: "config",  # a trial account may only text verified numbers
    21612: "config",  # 'To' is not reachable from this 'From': a sender problem, not the address
    21408: "config",  # the account has no permission for the destination region
    21609: "config",  # StatusCallback is not a valid URL
    21617: "content_rejected",  # Body longer than 1600 characters
    30007: "content_rejected",  # carrier filtering
}
UNSUBSCRIBED_RECIPIENT = 21610
# Asynchronous codes (status callbacks) that prove the number cannot be delivered to. 30003
# (handset switched off or out of coverage) is temporary and is not among them.
UNUSABLE_CODES = frozenset({30005, 30006})  # unknown handset, landline
CONTENT_REJECTED_CODES = frozenset({30007})
STATUS_EVENTS = {
    "delivered": "message.delivered",
    "undelivered": "message.failed",
    "failed": "message.failed",
    "read": "message.opened",
}
# Twilio's default opt-out keywords: a reply that is exactly one of them, in any case.
OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
)


CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["account_sid", "auth_token"],
    "anyOf": [{"required": ["from"]}, {"required": ["messaging_service_sid"]}],
    "dependentRequired": {"api_key_sid": ["api_key_secret"]},
    "properties": {
        "account_sid": schema_field(
            "string",
            "Account SID",
            "The Twilio account (AC…): the Basic-auth user and part of every API path.",
            pattern="^AC[0-9a-fA-F]{32}$",
        ),
        "auth_token": schema_field(
            "string",
            "Auth token",
            "The account's auth token: the Basic-auth password and the key Twilio signs "
            "receipts with (stored, never shown).",
            minLength=1,
            writeOnly=True,
        ),
        "api_key_sid": schema_field(
            "string",
            "API key SID",
            "An API key (SK…) to authenticate sends with instead of the auth token; receipts "
            "are still signed with the auth token.",
            pattern="^SK[0-9a-fA-F]{32}$",
        ),
        "api_key_secret": schema_field(
            "string",
            "API key secret",
            "The API key's secret (stored, never shown); needed with an API key SID.",
            minLength=1,
            writeOnly=True,
        ),
        "from": schema_field(
            "string",
            "From",
            "The sender: a Twilio number in E.164 (+15017122661) or an alphanumeric sender ID.",
            minLength=1,
            maxLength=32,
        ),
        "messaging_service_sid": schema_field(
            "string",
            "Messaging Service SID",
            "A Messaging Service (MG…) that picks the sender and queues; used instead of From.",
            pattern="^MG[0-9a-fA-F]{32}$",
        ),
        "base_url": schema_field(
            "string",
            "API base URL",
            "Where the REST API is; change it only to reach a stand-in or a regional edge.",
            format="uri",
            default=DEFAULT_BASE_URL,
        ),
        "status_callback": schema_field(
            "boolean",
            "Delivery receipts",
            "Ask Twilio to post each message's status to this account's receipt URL.",
            default=True,
        ),
        "concurrency": schema_field(
            "integer",
            "Concurrent requests",
            "How many messages of a batch are in flight at once (Twilio takes one per request).",
            minimum=1,
            maximum=MAX_CONCURRENCY,
            default=DEFAULT_CONCURRENCY,
        ),
        "timeout": schema_field(
            "number",
            "Timeout (seconds)",
            "How long one request may take before it counts as a transient failure.",
            exclusiveMinimum=0,
            maximum=120,
            default=DEFAULT_TIMEOUT,
        ),
    },
}


@dataclass(frozen=True)
class TwilioAccount:
    """An account's config, read once per batch."""

    account_sid: str
    auth_token: str
    api_key_sid: str
    api_key_secret: str
    sender: str
    messaging_service_sid: str
    base_url: str
    status_callback: bool
    concurrency: int
    timeout: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TwilioAccount:
        return cls(
            account_sid=str(config.get("account_sid") or ""),
            auth_token=str(config.get("auth_token") or ""),
            api_key_sid=str(config.get("api_key_sid") or ""),
            api_key_secret=str(config.get("api_key_secret") or ""),
            sender=str(config.get("from") or ""),
            messaging_service_sid=str(config.get("messaging_service_sid") or ""),
            base_url=str(config.get("base_url") or DEFAULT_BASE_URL).rstrip("/"),
            status_callback=bool(config.get("status_callback", True)),
            concurrency=max(
                1, min(MAX_CONCURRENCY, int(config.get("concurrency") or DEFAULT_CONCURRENCY))
            ),
            timeout=float(config.get("timeout") or DEFAULT_TIMEOUT),
        )

    @property
    def credentials(self) -> tuple[str, str]:
        """HTTP Basic user and password: the API key when there is one, else the account."""
        if self.api_key_sid:
            return self.api_key_sid, self.api_key_secret
        return self.account_sid, self.auth_token

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"


def message_form(account: TwilioAccount, message: OutboundMessage) -> dict[str, str]:
    """The form fields of one Messages.json request."""
    form = {"To": message.to}
    if account.messaging_service_sid:
        form["MessagingServiceSid"] = account.messaging_service_sid
    else:
        form["From"] = account.sender
    content = message.content
    if isinstance(body := content.get("body"), str) and body:
        form["Body"] = body
    elif isinstance(template := content.get("template_code"), str) and template:
        form["ContentSid"] = template
        variables = content.get("template_params") or {}
        form["ContentVariables"] = json.dumps(variables, separators=(",", ":"), sort_keys=True)
    if account.status_callback and message.receipt_url:
        form["StatusCallback"] = message.receipt_url
    return form


# One kept-alive client per process, base URL and timeout: batches reuse its connections.
_clients: dict[tuple[int, str, float], httpx.Client] = {}
_clients_lock = threading.Lock()


def client_for(account: TwilioAccount) -> httpx.Client:
    key = (os.getpid(), account.base_url, account.timeout)  # a forked worker makes its own
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            limits = httpx.Limits(
                max_connections=MAX_CONCURRENCY * 4, max_keepalive_connections=MAX_CONCURRENCY * 4
            )
            client = _clients[key] = httpx.Client(timeout=account.timeout, limits=limits)
        return client


def send_one(client: httpx.Client, account: TwilioAccount, message: OutboundMessage) -> Outcome:
    try:
        response = client.post(
            account.messages_url,
            data=message_form(account, message),
            auth=account.credentials,
            headers={"Accept": "application/json"},
        )
    except httpx.TimeoutException:
        return Failed("transient", "timed out")
    except httpx.HTTPError as exc:
        return Failed("transient", f"{type(exc).__name__}: {exc}"[:200])
    payload = _json(response)
    if response.status_code in (200, 201) and isinstance(payload.get("sid"), str):
        return Sent(payload["sid"])
    return failure_for(response.status_code, payload, response.headers.get("Retry-After"))


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def failure_for(status: int, payload: Mapping[str, Any], retry_after: str | None) -> Failed:
    """Twilio's error (`{"code", "message", "more_info", "status"}`) as a normalized failure;
    the detail starts with the code, which is what operators look up."""
    code = payload.get("code")
    code = code if isinstance(code, int) else None
    words = str(payload.get("message") or f"HTTP {status}")
    detail = (f"{code}: {words}" if code else words)[:200]
    kind = ERROR_KINDS.get(code) if code else None
    if kind is None:
        if status == 401:
            kind = "auth"
        elif status == 429:
            kind = "rate_limited"
        elif status >= 500:
            kind = "transient"
        else:
            kind = "config"
    wait = retry_after_seconds(retry_after) if kind == "rate_limited" else None
    return Failed(kind, detail, wait)


def signature(auth_token: str, url: str, params: Mapping[str, Sequence[str]]) -> str:
    """`X-Twilio-Signature` as Twilio computes it: Base64(HMAC-SHA1(auth token, the full URL
    followed by each parameter name and value, names sorted, a name's values sorted))."""
    text = url + "".join(
        name + value for name in sorted(params) for value in sorted(set(params[name]))
    )
    digest = hmac.new(auth_token.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> set[str]:
    """The URL with and without its scheme's default port: Twilio signs the URL as it was
    given, so both spellings are accepted (as Twilio's own validator does)."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    if default is None or parts.port not in (None, default):
        return {url}
    userinfo, _, host = parts.netloc.rpartition("@")
    prefix = f"{userinfo}@" if userinfo else ""
    if parts.port is not None:
        host = host.rsplit(":", 1)[0]
    return {
        url,
        urlunsplit(parts._replace(netloc=f"{prefix}{host}")),
        urlunsplit(parts._replace(netloc=f"{prefix}{host}:{default}")),
    }


class TwilioProvider(Provider):
    def send(self, config: Mapping[str, Any], messages: Sequence[OutboundMessage]) -> list[Outcome]:
        """One request per message, `concurrency` at a time over one pooled client; outcomes
        in the batch's order."""
        account = TwilioAccount.from_config(config)
        client = client_for(account)
        if len(messages) <= 1 or account.concurrency == 1:
            return [send_one(client, account, message) for message in messages]
        workers = min(account.concurrency, len(messages))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="twilio") as pool:
            return list(pool.map(lambda message: send_one(client, account, message), messages))

    def verify_receipt(self, config: Mapping[str, Any], request: ReceiptRequest) -> None:
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not given:
            raise ReceiptRejected("signature_missing", "No X-Twilio-Signature header.")
        token = str(config.get("auth_token") or "")
        if not token or not request.url:
            raise ReceiptRejected(
                "signature_unverifiable", "No auth token or URL to check against.", status=403
            )
        params = _form(request)
        if not any(
            hmac.compare_digest(signature(token, url, params).encode(), given.encode())
            for url in _url_variants(request.url)
        ):
            raise ReceiptRejected("signature_mismatch", "X-Twilio-Signature does not match.")

    def parse_receipts(self, config: Mapping[str, Any], request: ReceiptRequest) -> list[Receipt]:
        """A status callback becomes a message event (statuses before delivery are dropped);
        an inbound opt-out keyword becomes an opt-out receipt; other inbound text is ignored."""
        form = {name: values[-1] for name, values in _form(request).items()}
        if "MessageStatus" in form:
            return _status_receipt(form)
        if "Body" in form:
            return _opt_out_receipt(form)
        raise ReceiptMalformed(
            [ReceiptProblem("/MessageStatus", "required", "Neither MessageStatus nor Body.")]
        )


def _form(request: ReceiptRequest) -> dict[str, list[str]]:
    try:
        return parse_qs(request.body.decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise ReceiptMalformed(
            [ReceiptProblem("", "not_form", "The body is not a UTF-8 form.")]
        ) from exc


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise ReceiptMalformed([ReceiptProblem(f"/{name}", "required", f"{name} is missing.")])
    return value


def _status_receipt(form: Mapping[str, str]) -> list[Receipt]:
    sid = _required(form, "MessageSid")
    status = form["MessageStatus"]
    event = STATUS_EVENTS.get(status)
    if event is None:
        return []  # queued, sending, sent, accepted, …: nothing a journey waits on
    detail: dict[str, Any] = {"status": status}
    code = int(raw) if (raw := form.get("ErrorCode", "")).isdigit() else None
    if code is not None:
        detail["error_code"] = code
        detail["diagnostic"] = f"Twilio error {code}"
        if code in CONTENT_REJECTED_CODES:
            detail["kind"] = "content_rejected"
    return [
        Receipt(
            id=f"{sid}:{status}",  # callbacks repeat and arrive out of order
            event=event,
            provider_message_id=sid,
            detail=detail,
            address_unusable=event == "message.failed" and code in UNUSABLE_CODES,
            recipient=form.get("To", ""),
        )
    ]


def _opt_out_receipt(form: Mapping[str, str]) -> list[Receipt]:
    keyword = form["Body"].strip().upper()
    # With Advanced Opt-Out, Twilio names the kind of keyword it matched (custom ones too).
    if keyword not in OPT_OUT_KEYWORDS and form.get("OptOutType", "").upper() != "STOP":
        return []
    sid = _required(form, "MessageSid")
    return [
        Receipt(
            id=f"inbound:{sid}",
            event="message.unsubscribed",
            opt_out=True,
            recipient=_required(form, "From"),
            detail={"keyword": keyword[:40], "inbound_sid": sid},
        )
    ]


TWILIO = TwilioProvider(
    name=NAME,
    title="Twilio",
    description="SMS through Twilio Programmable Messaging; status callbacks and STOP replies.",
    channels=("sms",),
    max_batch_size=50,  # one request each, sent `concurrency` at a time
    config_schema=CONFIG_SCHEMA,
)


@hookimpl
def touchflow_register_providers(register: Callable[[Provider], None]) -> None:
    register(TWILIO)


@hookimpl
def touchflow_after_send(message: Any, outcome: Outcome) -> None:
    """Twilio refused because the recipient replied STOP (21610): the contact leaves SMS, as if
    the STOP had reached us (dispatch already marked the number unusable)."""
    if not isinstance(outcome, Failed) or not outcome.detail.startswith(
        f"{UNSUBSCRIBED_RECIPIENT}:"
    ):
        return
    account = message.account
    if account is None or account.provider != NAME:
        return
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(pk=message.contact_id).first()
        if contact is not None:
            leave_channel(
                contact,
                message.channel,
                {"provider": NAME, "message_id": message.pk, "error_code": UNSUBSCRIBED_RECIPIENT},
            )
