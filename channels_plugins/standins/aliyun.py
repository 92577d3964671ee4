"""Alibaba Cloud Dysmsapi's side of `SendSms` (RPC signature v1), on loopback.

The signature is recomputed here from the received parameters with this module's own
encoding, so a signing bug in the provider (or a wrong secret) is refused the way Alibaba Cloud
refuses it: `SignatureDoesNotMatch`. Business errors come back as HTTP 200 with a `Code`,
gateway errors as 4xx with `RequestId`/`HostId`/`Code`/`Message`/`Recommend`.

Knobs tests script failures with:
- `codes`: phone number → the business `Code` answered for it (e.g. isv.BUSINESS_LIMIT_CONTROL);
- `fail_next`: (HTTP status, Code) answers for the next requests, in order (Throttling.User,
  a 503 ServiceUnavailable, …);
- `templates`: template code → the variables it needs; an unknown code is
  isv.SMS_TEMPLATE_ILLEGAL, a missing variable isv.TEMPLATE_MISSING_PARAMETERS.
`sent` records every accepted message; `post_reports` pushes SmsReport receipts for them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from channels_plugins.standins.base import Standin, StandinRequest, StandinResponse
from core import clock

UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
PHONE = re.compile(r"^(\+?86|0086)?1\d{10}$|^\+[1-9]\d{6,14}$")
CHINA_OFFSET = timedelta(hours=8)


def _encode(text: str) -> str:
    """Alibaba Cloud's percent-encoding, byte by byte: unreserved bytes stay, the rest %XX."""
    return "".join(
        chr(byte) if byte in UNRESERVED else f"%{byte:02X}" for byte in text.encode("utf-8")
    )


def expected_signature(method: str, params: dict[str, str], secret: str) -> str:
    pairs = sorted((_encode(k), _encode(v)) for k, v in params.items() if k != "Signature")
    canonical = "&".join(f"{k}={v}" for k, v in pairs)
    text = "&".join([method, _encode("/"), _encode(canonical)])
    mac = hmac.new((secret + "&").encode(), text.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


@dataclass(frozen=True)
class SentSms:
    phone_number: str
    sign_name: str
    template_code: str
    template_params: dict[str, Any]
    biz_id: str
    out_id: str


class AliyunStandin(Standin):
    channel = "sms"
    provider = "aliyun"
    access_key_id = "LTAI5tStandinKey"
    access_key_secret = "standin-access-key-secret"  # noqa: S105 - the stand-in's own test key
    sign_name = "Touchflow"

    def __init__(self) -> None:
        super().__init__()
        self.codes: dict[str, str] = {}
        self.fail_next: list[tuple[int, str]] = []
        self.templates: dict[str, set[str]] | None = None  # None: any template is approved
        self.sent: list[SentSms] = []
        self._nonces: set[str] = set()
        self._ids = itertools.count(900612345678)

    def account_config(self) -> dict[str, Any]:
        return {
            "access_key_id": self.access_key_id,
            "access_key_secret": self.access_key_secret,
            "sign_name": self.sign_name,
            "endpoint": f"{self.url}/",
        }

    def handle(self, request: StandinRequest) -> StandinResponse:
        params = {key: values[-1] for key, values in request.query.items()}
        if request.method == "POST":
            params.update({key: values[-1] for key, values in request.form().items()})
        refused = self._authenticate(request.method, params)
        if refused is not None:
            return refused
        with self.lock:
            scripted = self.fail_next.pop(0) if self.fail_next else None
        if scripted is not None:
            return self._error(*scripted)
        if params.get("Action") != "SendSms" or params.get("Version") != "2017-05-25":
            return self._error(400, "InvalidAction.NotFound")
        return self._send_sms(params)

    def _authenticate(self, method: str, params: dict[str, str]) -> StandinResponse | None:
        for name in ("AccessKeyId", "Signature", "SignatureNonce", "Timestamp"):
            if not params.get(name):
                return self._error(400, "MissingParameter", f"{name} is mandatory.")
        if params.get("SignatureMethod") != "HMAC-SHA1" or params.get("SignatureVersion") != "1.0":
            return self._error(400, "InvalidParameter", "SignatureMethod/SignatureVersion.")
        if params["AccessKeyId"] != self.access_key_id:
            return self._error(
                404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
        wanted = expected_signature(method, params, self.access_key_secret)
        if not hmac.compare_digest(wanted, params["Signature"]):
            return self._error(400, "SignatureDoesNotMatch", "Specified signature is not matched.")
        try:
            stamped = datetime.strptime(params["Timestamp"] + "+0000", "%Y-%m-%dT%H:%M:%SZ%z")
        except ValueError:
            return self._error(400, "InvalidTimeStamp.Format", "Timestamp is not ISO 8601 UTC.")
        if abs(clock.now() - stamped) > timedelta(minutes=15):
            return self._error(400, "InvalidTimeStamp.Expired", "Specified time stamp expired.")
        with self.lock:
            if params["SignatureNonce"] in self._nonces:
                return self._error(400, "SignatureNonceUsed", "Specified nonce was used.")
            self._nonces.add(params["SignatureNonce"])
        return None

    def _send_sms(self, params: dict[str, str]) -> StandinResponse:
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not params.get(name):
                return self._business("isv.MISSING_PARAMETER", f"{name} is mandatory")
        numbers = params["PhoneNumbers"].split(",")
        if len(numbers) > 1000 or not all(PHONE.match(n) for n in numbers):
            return self._business("isv.MOBILE_NUMBER_ILLEGAL", "invalid mobile number")
        if params["SignName"] != self.sign_name:
            return self._business("isv.SMS_SIGNATURE_ILLEGAL", "signature not approved")
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
            assert isinstance(values, dict)
        except (ValueError, AssertionError):
            return self._business("isv.INVALID_JSON_PARAM", "TemplateParam is not a JSON object")
        if self.templates is not None:
            needed = self.templates.get(params["TemplateCode"])
            if needed is None:
                return self._business("isv.SMS_TEMPLATE_ILLEGAL", "template not approved")
            if needed - set(values):
                return self._business("isv.TEMPLATE_MISSING_PARAMETERS", "missing parameters")
        scripted = next((self.codes[n] for n in numbers if n in self.codes), None)
        if scripted is not None:
            return self._business(scripted, "scripted by the stand-in")
        with self.lock:
            biz_id = f"{next(self._ids)}^0"
            self.sent.extend(
                SentSms(
                    n,
                    params["SignName"],
                    params["TemplateCode"],
                    values,
                    biz_id,
                    params.get("OutId", ""),
                )
                for n in numbers
            )
        return StandinResponse.json(
            {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": _request_id()}
        )

    def _business(self, code: str, message: str) -> StandinResponse:
        return StandinResponse.json({"Code": code, "Message": message, "RequestId": _request_id()})

    def _error(self, status: int, code: str, message: str = "") -> StandinResponse:
        if status == 200:
            return self._business(code, message or code)
        return StandinResponse.json(
            {
                "RequestId": _request_id(),
                "HostId": "dysmsapi.aliyuncs.com",
                "Code": code,
                "Message": message or code,
                "Recommend": "https://api.aliyun.com/troubleshoot",
            },
            status=status,
        )

    def report(self, sms: SentSms, *, success: bool = True, err_code: str = "") -> dict[str, Any]:
        """One SmsReport item for a message this stand-in accepted."""
        now = (clock.now().astimezone(UTC) + CHINA_OFFSET).strftime("%Y-%m-%d %H:%M:%S")
        return {
            "phone_number": sms.phone_number,
            "send_time": now,
            "report_time": now,
            "success": success,
            "err_code": err_code or ("DELIVERED" if success else "MK:0001"),
            "err_msg": "用户接收成功" if success else "failed",
            "sms_size": "1",
            "biz_id": sms.biz_id,
            "out_id": sms.out_id,
        }

    def post_reports(self, receipt_url: str, reports: Sequence[dict[str, Any]]) -> httpx.Response:
        """The console's HTTP batch push: an unsigned JSON array."""
        body = json.dumps(list(reports), ensure_ascii=False).encode()
        return self.post_receipt(receipt_url, body, {"Content-Type": "application/json"})


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


STANDIN = AliyunStandin
