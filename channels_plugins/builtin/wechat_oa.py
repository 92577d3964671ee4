"""The `wechat_oa` provider: WeChat Official Account (service account) template messages.

Sending (providers.md A4.1, A4.2): an access token from `POST /cgi-bin/stable_token` (the
stable API: in normal mode it hands every caller the same token until shortly before expiry,
so workers never invalidate each other's token the way `/cgi-bin/token` does), then
`POST /cgi-bin/message/template/send?access_token=…` per message, `touser` the contact's
openid and each `data` value wrapped as `{"value": …}`. The returned `msgid` is the provider
message id that delivery events are matched on.

The token is stored in the database (`channels_plugins.tokens`), one row per base URL and
appid, shared by every worker and process. On 40001/40014/42001 (the token is stale, maybe
because another process force-refreshed it) the row is re-read first; only when it still
holds the token that failed is a new one fetched with `force_refresh` (WeChat allows 20 a
day), and the message is retried once.

Receipts (A4.5): WeChat posts XML events to the account's server URL, signed
in the query (`signature = sha1(sorted(token, timestamp, nonce))` with the account's callback
token); the GET with `echostr` that WeChat uses to check the URL is answered too.
`TEMPLATESENDJOBFINISH` becomes `message.delivered` or `message.failed` (`failed:user block`
also makes the openid unusable); `unsubscribe` makes the follower's openid unusable, since no
template message can reach an unfollowed openid (WeChat would answer 43004), and `subscribe`
(following again) makes it usable again. Other events and
user messages are acknowledged and ignored. In safe and compatible mode the push is also
signed over its ciphertext (`msg_signature`) and decrypted with the account's EncodingAESKey
(`wechat_crypto`; the previous key is tried too, for rotation).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import httpx

from channels_plugins import tokens
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
)
from channels_plugins.builtin import wechat_crypto
from channels_plugins.hookspecs import hookimpl
from channels_plugins.schema_fields import schema_field
from core import clock

DEFAULT_BASE_URL = "https://api.weixin.qq.com"
DEFAULT_TIMEOUT = 10.0
# WeChat retries an unanswered event within seconds; an older signed request is a replay.
MAX_EVENT_AGE = timedelta(minutes=5)
CHINA = ZoneInfo("Asia/Shanghai")  # WeChat's daily quotas reset at midnight China time

AUTH_CODES = frozenset({40001, 40014, 42001})  # the access token is invalid or expired
ERROR_KINDS: dict[int, str] = {
    -1: "transient",  # system busy
    40001: "auth",
    40014: "auth",
    42001: "auth",
    40013: "config",  # invalid appid
    40125: "auth",  # invalid appsecret
    40164: "config",  # caller's IP not in the account's whitelist
    48001: "config",  # api unauthorized (not a verified service account)
    40003: "invalid_recipient",  # invalid openid
    43004: "invalid_recipient",  # the user does not follow the account
    43019: "invalid_recipient",  # the user blacklisted the account
    43101: "invalid_recipient",  # the user refuses the message
    45009: "rate_limited",  # daily quota reached: until midnight China time
    40037: "content_rejected",  # invalid template_id
    47003: "content_rejected",  # template data argument invalid
}
AES_KEY_PATTERN = "^[A-Za-z0-9+/]{43}$"
UNKNOWN_CODE_KIND = "config"  # a refusal we cannot classify: fail and let an admin look


CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["appid", "secret"],
    "properties": {
        "appid": schema_field(
            "string", "AppID", "The official account's AppID (开发者ID).", minLength=1
        ),
        "secret": schema_field(
            "string",
            "AppSecret",
            "The official account's AppSecret (stored, never shown).",
            minLength=1,
            writeOnly=True,
        ),
        "callback_token": schema_field(
            "string",
            "Callback token",
            "The Token set in the account's server configuration (服务器配置): WeChat signs "
            "the events it posts to the receipt URL with it (stored, never shown).",
            writeOnly=True,
        ),
        "encoding_aes_key": schema_field(
            "string",
            "EncodingAESKey",
            "The message encryption key of the server configuration, for safe or compatible "
            "mode; leave empty in plain-text mode (stored, never shown).",
            pattern=AES_KEY_PATTERN,
            writeOnly=True,
        ),
        "previous_encoding_aes_key": schema_field(
            "string",
            "Previous EncodingAESKey",
            "The key being replaced, still tried while WeChat switches to the new one "
            "(stored, never shown).",
            pattern=AES_KEY_PATTERN,
            writeOnly=True,
        ),
        "api_base_url": schema_field(
            "string",
            "API base URL",
            "Where the WeChat API is served; change it only to point at a stand-in.",
            format="uri",
            default=DEFAULT_BASE_URL,
        ),
        "timeout": schema_field(
            "number",
            "Timeout",
            "Seconds to wait for WeChat before giving up (the message is retried).",
            exclusiveMinimum=0,
            maximum=300,
            default=DEFAULT_TIMEOUT,
        ),
    },
}


class _Refused(Exception):
    """The token call failed; every message of the batch gets `failed`."""

    def __init__(self, failed: Failed) -> None:
        super().__init__(failed.detail)
        self.failed = failed


def seconds_until_china_midnight(now: datetime) -> float:
    """How long a 45009 (daily quota) lasts: until the next midnight in China."""
    local = now.astimezone(CHINA)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - local).total_seconds()


def failure_for(errcode: int, errmsg: str) -> Failed:
    """The normalized failure for a WeChat errcode (providers.md A0.1 and A4.2)."""
    kind = ERROR_KINDS.get(errcode, UNKNOWN_CODE_KIND)
    detail = f"{errcode} {errmsg}".strip()
    retry_after = seconds_until_china_midnight(clock.now()) if errcode == 45009 else None
    return Failed(kind, detail, retry_after)


def token_key(config: Mapping[str, Any]) -> str:
    """The shared token row's key: one token per WeChat endpoint and appid."""
    return f"wechat_oa:{_base_url(config)}:{config['appid']}"


def _base_url(config: Mapping[str, Any]) -> str:
    return str(config.get("api_base_url") or DEFAULT_BASE_URL).rstrip("/")


def _answer(response: httpx.Response) -> dict[str, Any]:
    """WeChat's JSON answer; a server error or a non-JSON body is a transient failure."""
    if response.status_code >= 500 or response.status_code == 429:
        raise _Refused(Failed("transient", f"HTTP {response.status_code}"))
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise _Refused(Failed("transient", f"HTTP {response.status_code}: not a JSON object"))
    return body


def _errcode(body: Mapping[str, Any]) -> int:
    code = body.get("errcode", 0)
    return code if isinstance(code, int) else UNKNOWN_ERRCODE


UNKNOWN_ERRCODE = -2  # an errcode that is not a number: not in any table


def _fetcher(client: httpx.Client, config: Mapping[str, Any]) -> tokens.Fetch:
    def fetch(force: bool) -> tuple[str, float]:
        body = _answer(
            client.post(
                "/cgi-bin/stable_token",
                json={
                    "grant_type": "client_credential",
                    "appid": config["appid"],
                    "secret": config["secret"],
                    "force_refresh": force,
                },
            )
        )
        token, lifetime = body.get("access_token"), body.get("expires_in")
        if _errcode(body) != 0 or not isinstance(token, str) or not token:
            failed = failure_for(_errcode(body), str(body.get("errmsg", "")))
            # A token refused here is the credentials' fault, never a stale token's.
            kind = "config" if failed.kind == UNKNOWN_CODE_KIND else failed.kind
            raise _Refused(Failed(kind, f"stable_token: {failed.detail}", failed.retry_after))
        return token, float(lifetime) if isinstance(lifetime, int | float) else 7200.0

    return fetch


def template_payload(message: OutboundMessage) -> dict[str, Any]:
    """The `message/template/send` body for one rendered send node's params."""
    content = message.content
    data = content.get("data") or {}
    payload: dict[str, Any] = {
        "touser": message.to,
        "template_id": content.get("template_id", ""),
        "data": {key: {"value": str(value)} for key, value in data.items()},
        # Deduplicates a retry on WeChat's side [mem: providers.md]; kept short either way.
        "client_msg_id": _client_msg_id(message.idempotency_key),
    }
    if content.get("url"):
        payload["url"] = content["url"]
    miniprogram = content.get("miniprogram")
    if isinstance(miniprogram, Mapping) and miniprogram.get("appid"):
        payload["miniprogram"] = {
            key: miniprogram[key] for key in ("appid", "pagepath") if miniprogram.get(key)
        }
    return payload


def _client_msg_id(key: str) -> str:
    return key if len(key) <= 64 else hashlib.sha1(key.encode()).hexdigest()  # noqa: S324


def signature(token: str, timestamp: str, nonce: str, *extra: str) -> str:
    """WeChat's event signature: sha1 of the sorted, joined parts, as hex (A4.5)."""
    joined = "".join(sorted([token, timestamp, nonce, *extra]))
    return hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324 - WeChat's protocol


class WechatOAProvider(Provider):
    def send(self, config: Mapping[str, Any], messages: Sequence[OutboundMessage]) -> list[Outcome]:
        """One `template/send` call per message, sharing the token and the connection. A
        failure that concerns the account (token, quota, whitelist) fails the rest alike."""
        outcomes: list[Outcome] = []
        timeout = float(config.get("timeout") or DEFAULT_TIMEOUT)
        with httpx.Client(base_url=_base_url(config), timeout=timeout) as client:
            fetch, key = _fetcher(client, config), token_key(config)
            for message in messages:
                if outcomes and _account_wide(outcomes[-1]):
                    outcomes.append(outcomes[-1])
                    continue
                try:
                    outcomes.append(self._send_one(client, key, fetch, message))
                except _Refused as exc:
                    outcomes.append(exc.failed)
                except httpx.HTTPError as exc:
                    outcomes.append(Failed("transient", f"{type(exc).__name__}: {exc}"))
        return outcomes

    def _send_one(
        self, client: httpx.Client, key: str, fetch: tokens.Fetch, message: OutboundMessage
    ) -> Outcome:
        token = tokens.current_token(key, fetch)
        body = self._post_template(client, token, message)
        if _errcode(body) in AUTH_CODES:
            token = tokens.replace_token(key, token, fetch)
            body = self._post_template(client, token, message)
        code = _errcode(body)
        if code == 0 and body.get("msgid") is not None:
            return Sent(str(body["msgid"]))
        if code == 0:
            return Failed("transient", "template/send answered ok without a msgid")
        return failure_for(code, str(body.get("errmsg", "")))

    def _post_template(
        self, client: httpx.Client, token: str, message: OutboundMessage
    ) -> dict[str, Any]:
        return _answer(
            client.post(
                "/cgi-bin/message/template/send",
                params={"access_token": token},
                json=template_payload(message),
            )
        )

    # Receipts ---------------------------------------------------------------------------

    def receipt_answer(self, counts: Mapping[str, int]) -> str:
        """WeChat reads anything but `success` (or an empty body) as a failed push."""
        return "success"

    def verify_receipt(self, config: Mapping[str, Any], request: ReceiptRequest) -> None:
        token = str(config.get("callback_token") or "")
        if not token:
            raise ReceiptRejected(
                "callback_token_missing",
                "The account has no callback token to check WeChat's signature with.",
                status=403,
            )
        query = request.query
        given, timestamp, nonce = (query.get(k, "") for k in ("signature", "timestamp", "nonce"))
        if not (given and timestamp and nonce):
            raise ReceiptRejected(
                "signature_missing", "signature, timestamp and nonce are required."
            )
        expected = signature(token, timestamp, nonce)
        if not hmac.compare_digest(expected.encode(), given.lower().encode()):
            raise ReceiptRejected("signature_invalid", "The signature does not match.")
        try:
            sent_at = datetime.fromtimestamp(int(timestamp), tz=CHINA)
        except (ValueError, OverflowError, OSError):
            raise ReceiptRejected("timestamp_invalid", "The timestamp is not a number.") from None
        if abs(request.received_at - sent_at) > MAX_EVENT_AGE:
            raise ReceiptRejected("timestamp_stale", "The timestamp is more than 5 minutes off.")
        if query.get("encrypt_type") == "aes":
            # Safe and compatible modes also sign the ciphertext: sha1(sorted(token, timestamp,
            # nonce, Encrypt)) in msg_signature.
            encrypted = _xml_fields(request.body).get("Encrypt", "")
            given_msg = query.get("msg_signature", "")
            if not (encrypted and given_msg):
                raise ReceiptRejected(
                    "signature_missing", "An encrypted push carries msg_signature and Encrypt."
                )
            expected = signature(token, timestamp, nonce, encrypted)
            if not hmac.compare_digest(expected.encode(), given_msg.lower().encode()):
                raise ReceiptRejected("signature_invalid", "The msg_signature does not match.")

    def answer_url_check(self, config: Mapping[str, Any], request: ReceiptRequest) -> str:
        self.verify_receipt(config, request)
        echostr = request.query.get("echostr", "")
        if not echostr:
            raise ReceiptRejected("echostr_missing", "A URL check carries echostr.", status=400)
        return echostr

    def parse_receipts(self, config: Mapping[str, Any], request: ReceiptRequest) -> list[Receipt]:
        fields = _event_fields(config, request.body)
        if fields.get("MsgType") != "event":
            return []  # a user's message: nothing about our deliveries
        event = fields.get("Event", "")
        openid = fields.get("FromUserName", "")
        occurred_at = _created_at(fields)
        if event == "TEMPLATESENDJOBFINISH":
            return [_job_finished(fields, openid, occurred_at)]
        if event == "subscribe" and openid:
            return [
                Receipt(
                    id=f"subscribe:{openid}:{fields.get('CreateTime', '')}",
                    event="",
                    occurred_at=occurred_at,
                    recipient=openid,
                    address_usable=True,
                )
            ]
        if event == "unsubscribe" and openid:
            return [
                Receipt(
                    id=f"unsubscribe:{openid}:{fields.get('CreateTime', '')}",
                    event="message.unsubscribed",
                    occurred_at=occurred_at,
                    detail={"diagnostic": "unfollowed the official account"},
                    address_unusable=True,
                    recipient=openid,
                )
            ]
        return []


def _event_fields(config: Mapping[str, Any], body: bytes) -> dict[str, str]:
    """The push's fields, decrypted when it carries `<Encrypt>` and the account has the key
    (safe mode; compatible mode's plain copy is used when it has none)."""
    fields = _xml_fields(body)
    if "Encrypt" not in fields:
        return fields
    keys = [
        str(config[name])
        for name in ("encoding_aes_key", "previous_encoding_aes_key")
        if config.get(name)
    ]
    if not keys and "MsgType" in fields:
        return fields
    if not keys:
        raise _malformed(
            "/Encrypt",
            "encoding_aes_key_missing",
            "The push is encrypted (safe mode) and the account has no EncodingAESKey.",
        )
    for key in keys:  # the previous key still opens pushes sent while it was being replaced
        try:
            return _xml_fields(wechat_crypto.decrypt(key, str(config["appid"]), fields["Encrypt"]))
        except (wechat_crypto.DecryptFailed, ValueError):
            continue
    raise _malformed(
        "/Encrypt",
        "decrypt_failed",
        "The push does not decrypt with the account's EncodingAESKey and AppID.",
    )


def _xml_fields(body: bytes) -> dict[str, str]:
    """The top-level elements of a WeChat XML document as text."""
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise _malformed("", "doctype_refused", "A DOCTYPE or entity is not WeChat's.")
    try:
        # DOCTYPEs (and with them entity tricks) are refused above; expat limits the rest.
        root = ElementTree.fromstring(body)  # noqa: S314
    except ElementTree.ParseError as exc:
        raise _malformed("", "not_xml", f"The body is not XML: {exc}.") from None
    if root.tag != "xml":
        raise _malformed("", "not_wechat_xml", "WeChat's pushes have an <xml> root.")
    return {child.tag: (child.text or "").strip() for child in root}


def _malformed(path: str, code: str, message: str) -> ReceiptMalformed:
    return ReceiptMalformed([ReceiptProblem(path, code, message)])


def _created_at(fields: Mapping[str, str]) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(fields.get("CreateTime", "")), tz=CHINA)
    except (ValueError, OverflowError, OSError):
        return None


def _job_finished(fields: Mapping[str, str], openid: str, occurred_at: datetime | None) -> Receipt:
    msgid = fields.get("MsgID", "")
    if not msgid:
        raise _malformed("/MsgID", "required", "TEMPLATESENDJOBFINISH carries MsgID.")
    status = fields.get("Status", "")
    # "failed: system failed" has a space WeChat's docs do not promise: match loosely.
    loose = status.replace(" ", "").lower()
    if loose == "success":
        event, unusable = "message.delivered", False
    else:
        event, unusable = "message.failed", loose == "failed:userblock"
    return Receipt(
        id=f"templatesendjobfinish:{msgid}",
        event=event,
        provider_message_id=msgid,
        occurred_at=occurred_at,
        detail={"status": status, "diagnostic": status},
        address_unusable=unusable,
        recipient=openid if unusable else "",
    )


def _account_wide(outcome: Outcome) -> bool:
    """A failure the next message of the batch would meet too: the token or the quota."""
    return isinstance(outcome, Failed) and (
        outcome.kind in {"auth", "rate_limited"} or outcome.detail.startswith("stable_token:")
    )


WECHAT_OA = WechatOAProvider(
    name="wechat_oa",
    title="WeChat Official Account",
    description="Template messages from a verified WeChat service account.",
    channels=("wechat",),
    config_schema=CONFIG_SCHEMA,
    max_batch_size=50,
)


@hookimpl
def touchflow_register_providers(register: Callable[[Provider], None]) -> None:
    register(WECHAT_OA)
