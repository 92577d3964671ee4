"""The `aliyun` provider: SMS through Alibaba Cloud's Dysmsapi `SendSms` (2017-05-25).

Hand-written with httpx rather than the official Tea SDK: the SDK pulls in half a dozen
packages and its own HTTP stack for one signed POST, and the RPC signature (v1, HMAC-SHA1) is a
few lines checked below against Alibaba Cloud's documented example. Requests are POSTed as a
form to the account's `endpoint` (`https://dysmsapi.aliyuncs.com/` by default).

One call per message: a `SendSms` naming several numbers answers with one `Code` for them all,
so a single bad number would fail its neighbours. A batch shares one HTTP connection, and a
failure that is the account's (auth, signature, balance, account caps) ends the batch with the
same outcome for the rest.

Receipts are the console's "HTTP batch push" of SmsReport: an unsigned JSON array posted to the
account's receipt URL (its secret token is the proof). Each report becomes `message.delivered`
or `message.failed`, found by `biz_id` (what `send` returned) or `out_id` (our idempotency key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, time
from typing import Any
from urllib.parse import quote

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
        "region_id": schema_field(
            "string", "Region", "The RegionId sent with each call.", default="cn-hangzhou"
        ),
        "timeout": cloud_sms.TIMEOUT_FIELD,
    },
}


def percent_encode(value: str) -> str:
    """RFC 3986 as Alibaba Cloud's RPC signature wants it: space is %20, `*` is %2A, `~` stays."""
    return quote(value, safe="-_.~")


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    canonical = "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """Signature v1: Base64(HMAC-SHA1(secret + "&", StringToSign)); `params` without it."""
    digest = hmac.new(
        f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


def signed_params(config: Mapping[str, Any], action_params: Mapping[str, str]) -> dict[str, str]:
    """The common parameters, the action's, and their signature (fresh nonce, clock time)."""
    params = {
        "AccessKeyId": str(config["access_key_id"]),
        "Action": "SendSms",
        "Format": "JSON",
        "RegionId": str(config.get("region_id") or "cn-hangzhou"),
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "Timestamp": clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": API_VERSION,
        **action_params,
    }
    params["Signature"] = rpc_signature("POST", params, str(config["access_key_secret"]))
    return params


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
            response = http.post(
                str(config.get("endpoint") or ENDPOINT), data=signed_params(config, action)
            )
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
