"""The `aliyun` provider: SMS through Alibaba Cloud's Dysmsapi `SendSms` (2017-05-25).

Hand-written with httpx rather than the official Tea SDK: the SDK pulls in half a dozen
packages and its own HTTP stack for one signed POST. It is signed the way that SDK signs by
default, ACS3-HMAC-SHA256 (signature V3, providers.md A3.2), and sent as the SDK sends
`SendSms`: a POST to the account's `endpoint` (`https://dysmsapi.aliyuncs.com/` by default)
with the action's parameters in the query string and an empty body. Putting them in the query
keeps the wire form and the signed CanonicalQueryString one string, and an empty body hashes to
a constant.

One call per message: a `SendSms` naming several numbers answers with one `Code` for them all,
so a single bad number would fail its neighbours. A batch shares one HTTP connection, and a
failure that is the account's (auth, signature, balance, account caps) ends the batch with the
same outcome for the rest.

Receipts are the console's "HTTP batch push" of SmsReport: an unsigned JSON array posted to the
account's receipt URL (its secret token is the proof). Each report becomes `message.delivered`
or `message.failed`, found by `biz_id` (what `send` returned) or `out_id` (our idempotency key).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, time
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from channels_plugins.base import (
    Failed,
    OutboundMessage,
    Outcome,
    Provider,
    Receipt,
    ReceiptProblem,
    ReceiptRequest,
    Sent,
)
from channels_plugins.builtin import cloud_sms
from channels_plugins.hookspecs import hookimpl
from channels_plugins.schema_fields import schema_field
from core import clock

ENDPOINT = "https://dysmsapi.aliyuncs.com/"
API_VERSION = "2017-05-25"
ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# Failures that are the account's, not the message's: the rest of a batch would fail the same way.
ACCOUNT_CODES = frozenset(
    {
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.SMS_SIGN_ILLEGAL",
        "isv.OUT_OF_SERVICE",
        "isv.AMOUNT_NOT_ENOUGH",
        "isp.RAM_PERMISSION_DENY",
        "isv.DENY_IP_RANGE",
        "isv.DAY_LIMIT_CONTROL",
        "isv.MONTH_LIMIT_CONTROL",
    }
)

# providers.md A3.2; codes are matched exactly, then by the prefix before the first dot.
CODE_KINDS: dict[str, str] = {
    "isv.BUSINESS_LIMIT_CONTROL": "recipient_capped",
    "isv.DAY_LIMIT_CONTROL": "rate_limited",
    "isv.MONTH_LIMIT_CONTROL": "rate_limited",
    "isv.MOBILE_NUMBER_ILLEGAL": "invalid_recipient",
    "isv.SMS_CONTENT_ILLEGAL": "content_rejected",
    "isv.SMS_TEMPLATE_ILLEGAL": "config",
    "isv.SMS_SIGNATURE_ILLEGAL": "config",
    "isv.SMS_SIGN_ILLEGAL": "config",
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": "config",
    "isv.TEMPLATE_MISSING_PARAMETERS": "config",
    "isv.INVALID_JSON_PARAM": "config",
    "isv.OUT_OF_SERVICE": "config",
    "isv.AMOUNT_NOT_ENOUGH": "config",
    "isp.RAM_PERMISSION_DENY": "config",
    "isv.DENY_IP_RANGE": "config",
    "SignatureDoesNotMatch": "auth",
    "InvalidAccessKeyId": "auth",
    "IncompleteSignature": "auth",
    "InvalidTimeStamp": "auth",
    "SignatureNonceUsed": "transient",  # a fresh nonce on the retry fixes it
    "Throttling": "rate_limited",
    "isp.SYSTEM_ERROR": "transient",
    "ServiceUnavailable": "transient",
    "InternalError": "transient",
}

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["access_key_id", "access_key_secret", "sign_name"],
    "properties": {
        "access_key_id": schema_field(
            "string",
            "AccessKey ID",
            "The AccessKey of a RAM user allowed to send SMS (AliyunDysmsFullAccess).",
            minLength=1,
        ),
        "access_key_secret": schema_field(
            "string",
            "AccessKey secret",
            "The AccessKey's secret (stored, never shown).",
            minLength=1,
            writeOnly=True,
        ),
        "sign_name": schema_field(
            "string",
            "Signature",
            "The approved SMS signature (签名) every message carries, e.g. 阿里云短信测试.",
            minLength=1,
        ),
        "endpoint": schema_field(
            "string",
            "Endpoint",
            "The Dysmsapi base URL; change it only for a stand-in or a regional endpoint.",
            format="uri",
            default=ENDPOINT,
        ),
        # Signature v1 sent RegionId as a common parameter; ACS3 has none (the endpoint picks the
        # region). The field stays accepted so accounts saved with it remain valid.
        "region_id": schema_field(
            "string",
            "Region",
            "Not sent: ACS3-signed calls carry no region (the endpoint chooses it).",
            default="cn-hangzhou",
        ),
        "timeout": cloud_sms.TIMEOUT_FIELD,
    },
}


def percent_encode(value: str) -> str:
    """RFC 3986 as Alibaba Cloud canonicalizes: space is %20, `*` is %2A, `~` stays."""
    return quote(value, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    """The query sorted by name, names and values percent-encoded: it is both what the request
    carries and what is signed, so the two cannot drift apart."""
    return "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )


def canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    payload_sha256: str,
) -> tuple[str, str]:
    """The ACS3 CanonicalRequest over every header in `headers` (names lower-case, values
    trimmed) and the SignedHeaders list it names, as providers.md A3.2 writes them."""
    names = sorted(name.lower() for name in headers)
    values = {name.lower(): value.strip() for name, value in headers.items()}
    lines = "".join(f"{name}:{values[name]}\n" for name in names)
    signed = ";".join(names)
    text = f"{method}\n{path}\n{canonical_query(query)}\n{lines}\n{signed}\n{payload_sha256}"
    return text, signed


def string_to_sign(canonical: str) -> str:
    return f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


def acs3_signature(secret: str, text: str) -> str:
    """Hex HMAC-SHA256 of the StringToSign, keyed with the AccessKey secret itself."""
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def signed_request(
    config: Mapping[str, Any], action: str, params: Mapping[str, str]
) -> tuple[str, dict[str, str]]:
    """The URL (endpoint plus canonical query) and headers of a POST of `action` with an empty
    body, as the official SDK sends `SendSms` (its parameters in the query, the form body
    empty), signed ACS3-HMAC-SHA256 at the clock's time with a fresh nonce."""
    endpoint = urlsplit(str(config.get("endpoint") or ENDPOINT))
    path = endpoint.path or "/"
    headers = {
        "host": endpoint.netloc,
        "x-acs-action": action,
        "x-acs-version": API_VERSION,
        "x-acs-date": clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": EMPTY_SHA256,
    }
    canonical, signed = canonical_request("POST", path, params, headers, EMPTY_SHA256)
    signature = acs3_signature(str(config["access_key_secret"]), string_to_sign(canonical))
    headers["Authorization"] = (
        f"{ALGORITHM} Credential={config['access_key_id']},"
        f"SignedHeaders={signed},Signature={signature}"
    )
    url = f"{endpoint.scheme}://{endpoint.netloc}{path}?{canonical_query(params)}"
    return url, headers


def failure(code: str, message: str) -> Failed:
    """An error `Code` as a normalized failure; account-wide caps retry after they reset."""
    kind = CODE_KINDS.get(code) or CODE_KINDS.get(code.split(".")[0]) or "config"
    detail = f"{code}: {message}" if message else code
    retry_after = None
    if code == "isv.DAY_LIMIT_CONTROL":
        retry_after = cloud_sms.seconds_until(clock.now(), time(0))
    elif code == "isv.MONTH_LIMIT_CONTROL":
        retry_after = cloud_sms.seconds_until_next_month(clock.now())
    return Failed(kind, detail, retry_after)


def _account_wide(failed: Failed) -> bool:
    return failed.kind == "auth" or failed.detail.split(":")[0] in ACCOUNT_CODES


class AliyunProvider(Provider):
    def send(self, config: Mapping[str, Any], messages: Sequence[OutboundMessage]) -> list[Outcome]:
        timeout = float(config.get("timeout") or cloud_sms.DEFAULT_TIMEOUT)
        outcomes: list[Outcome] = []
        with httpx.Client(timeout=timeout) as http:
            for message in messages:
                previous = outcomes[-1] if outcomes else None
                if isinstance(previous, Failed) and _account_wide(previous):
                    outcomes.append(previous)
                    continue
                outcomes.append(self._send_one(http, config, message))
        return outcomes

    def _send_one(
        self, http: httpx.Client, config: Mapping[str, Any], message: OutboundMessage
    ) -> Outcome:
        found = cloud_sms.template(message)
        if isinstance(found, Failed):
            return found
        code, values = found
        action = {
            "PhoneNumbers": message.to,
            "SignName": str(config["sign_name"]),
            "TemplateCode": code,
            "OutId": message.idempotency_key,
        }
        if values:
            action["TemplateParam"] = json.dumps(values, ensure_ascii=False)
        try:
            url, headers = signed_request(config, "SendSms", action)
            response = http.post(url, headers=headers)
        except httpx.HTTPError as exc:
            return Failed("transient", f"Alibaba Cloud unreachable: {exc!r}")
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("Code"), str):
            kind = "transient" if response.status_code >= 500 else "config"
            return Failed(kind, f"HTTP {response.status_code} without a Dysmsapi answer")
        if body["Code"] == "OK" and response.status_code == 200:
            return Sent(str(body.get("BizId") or ""))
        return failure(body["Code"], str(body.get("Message") or ""))

    def verify_receipt(self, config: Mapping[str, Any], request: ReceiptRequest) -> None:
        """SmsReport pushes carry no signature: the account's secret URL token, checked before
        this, is their proof (providers.md A3.2)."""

    def parse_receipts(self, config: Mapping[str, Any], request: ReceiptRequest) -> list[Receipt]:
        return cloud_sms.read_reports(request, _report)

    def receipt_answer(self, counts: Mapping[str, int]) -> dict[str, Any]:
        return {"code": 0, "msg": "接收成功", **counts}


def _report(item: Mapping[str, Any], path: str, problems: list[ReceiptProblem]) -> Receipt | None:
    """One SmsReport item, found by `biz_id` (our provider message id) or `out_id` (our key)."""
    biz_id = cloud_sms.text(item, "biz_id", path, problems)
    phone = cloud_sms.text(item, "phone_number", path, problems)
    success = item.get("success")
    if not isinstance(success, bool):
        problems.append(ReceiptProblem(f"{path}/success", "required", "success must be a boolean."))
    if biz_id is None or phone is None or not isinstance(success, bool):
        return None
    out_id = item.get("out_id")
    return Receipt(
        id=f"aliyun:{biz_id}:{phone}",
        event="message.delivered" if success else "message.failed",
        provider_message_id=biz_id,
        idempotency_key=out_id if isinstance(out_id, str) else "",
        occurred_at=cloud_sms.china_time(item.get("report_time")),
        detail=cloud_sms.texts(item, ("err_code", "err_msg", "sms_size")),
    )


ALIYUN = AliyunProvider(
    name="aliyun",
    title="Alibaba Cloud SMS",
    description="Approved-template SMS through Alibaba Cloud (Dysmsapi SendSms).",
    channels=("sms",),
    config_schema=CONFIG_SCHEMA,
    max_batch_size=100,  # one SendSms per message, over one connection per batch
)


@hookimpl
def touchflow_register_providers(register: Callable[[Provider], None]) -> None:
    register(ALIYUN)
