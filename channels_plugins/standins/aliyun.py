"""Alibaba Cloud Dysmsapi's side of `SendSms` (ACS3-HMAC-SHA256, signature V3), on loopback.

`SendSms` is read as the official SDK sends it, its parameters in the query string. The
signature is recomputed here from what arrived (method, path, the decoded query, the headers
the `Authorization` header names, and the body's SHA-256) with this module's own encoding, so a
signing bug in the provider, a request altered on the way or a wrong secret is refused the way
Alibaba Cloud refuses it: `SignatureDoesNotMatch`. An `x-acs-date` more than 15 minutes from
the clock is `InvalidTimeStamp.Expired` (the window Alibaba Cloud allows signed API calls;
providers.md A0.2's "about ±5 minutes" is Tencent's), and a nonce seen before by this stand-in
(its state lasts one run) is `SignatureNonceUsed`. Business errors come back as HTTP 200 with a
`Code`, gateway errors as 4xx with `RequestId`/`HostId`/`Code`/`Message`/`Recommend`.

Knobs tests script failures with:
- `codes`: phone number → the business `Code` answered for it (e.g. isv.BUSINESS_LIMIT_CONTROL);
- `fail_next`: (HTTP status, Code) answers for the next requests, in order (Throttling.User,
  a 503 ServiceUnavailable, …);
- `templates`: template code → the variables it needs; an unknown code is
  isv.SMS_TEMPLATE_ILLEGAL, a missing variable isv.TEMPLATE_MISSING_PARAMETERS.
`sent` records every accepted message; `post_reports` pushes SmsReport receipts for them.
"""

from __future__ import annotations

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
ALGORITHM = "ACS3-HMAC-SHA256"
AUTHORIZATION = re.compile(
    r"^ACS3-HMAC-SHA256 Credential=(?P<key>[^,]+),"
    r"SignedHeaders=(?P<headers>[a-z0-9;-]+),Signature=(?P<signature>[0-9a-f]{64})$"
)
# What the SDK always sends and signs; an unsigned one could be changed on the way.
REQUIRED_HEADERS = (
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
)
ALLOWED_SKEW = timedelta(minutes=15)


def _encode(text: str) -> str:
    """Alibaba Cloud's percent-encoding, byte by byte: unreserved bytes stay, the rest %XX."""
    return "".join(
        chr(byte) if byte in UNRESERVED else f"%{byte:02X}" for byte in text.encode("utf-8")
    )


def expected_signature(secret: str, request: StandinRequest, signed: list[str]) -> str:
    """ACS3: hex HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex SHA-256 of the CanonicalRequest)."""
    pairs = sorted((_encode(k), _encode(v)) for k, values in request.query.items() for v in values)
    query = "&".join(f"{k}={v}" for k, v in pairs)
    headers = "".join(f"{name}:{request.headers.get(name, '').strip()}\n" for name in signed)
    canonical = "\n".join(
        [
            request.method,
            request.path or "/",
            query,
            headers,
            ";".join(signed),
            hashlib.sha256(request.body).hexdigest(),
        ]
    )
    text = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


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
        refused = self._authenticate(request)
        if refused is not None:
            return refused
        with self.lock:
            scripted = self.fail_next.pop(0) if self.fail_next else None
        if scripted is not None:
            return self._error(*scripted)
        action = request.headers.get("x-acs-action")
        if action != "SendSms" or request.headers.get("x-acs-version") != "2017-05-25":
            return self._error(400, "InvalidAction.NotFound")
        return self._send_sms({key: values[-1] for key, values in request.query.items()})

    def _authenticate(self, request: StandinRequest) -> StandinResponse | None:
        headers = request.headers
        for name in REQUIRED_HEADERS:
            if not headers.get(name):
                return self._error(400, "MissingParameter", f"{name} is mandatory.")
        found = AUTHORIZATION.match(headers.get("authorization", ""))
        if found is None:
            return self._error(400, "IncompleteSignature", "Authorization is not ACS3.")
        signed = found["headers"].split(";")
        unsigned = [
            name
            for name in headers
            if (name in REQUIRED_HEADERS or name.startswith("x-acs-")) and name not in signed
        ]
        if unsigned:
            return self._error(
                400, "IncompleteSignature", f"SignedHeaders must name {', '.join(unsigned)}."
            )
        if signed != sorted(set(signed)):
            return self._error(
                400, "IncompleteSignature", "SignedHeaders must be sorted, once each."
            )
        if found["key"] != self.access_key_id:
            return self._error(
                404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
        if headers["x-acs-content-sha256"] != hashlib.sha256(request.body).hexdigest():
            return self._error(
                400, "SignatureDoesNotMatch", "x-acs-content-sha256 is not the body's."
            )
        wanted = expected_signature(self.access_key_secret, request, signed)
        if not hmac.compare_digest(wanted, found["signature"]):
            return self._error(400, "SignatureDoesNotMatch", "Specified signature is not matched.")
        try:
            stamped = datetime.strptime(headers["x-acs-date"] + "+0000", "%Y-%m-%dT%H:%M:%SZ%z")
        except ValueError:
            return self._error(400, "InvalidTimeStamp.Format", "x-acs-date is not ISO 8601 UTC.")
        if abs(clock.now() - stamped) > ALLOWED_SKEW:
            return self._error(400, "InvalidTimeStamp.Expired", "Specified time stamp expired.")
        with self.lock:
            if headers["x-acs-signature-nonce"] in self._nonces:
                return self._error(400, "SignatureNonceUsed", "Specified nonce was used.")
            self._nonces.add(headers["x-acs-signature-nonce"])
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
