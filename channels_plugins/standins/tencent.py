"""Tencent Cloud SMS's side of `SendSms` (2021-01-11, TC3-HMAC-SHA256), on loopback.

The signature is recomputed here from the headers the request names in `SignedHeaders`, with
the received `Host` (port included, as the SDK signs it), so a signing bug or a wrong secret
gets `AuthFailure.SignatureFailure`. Every answer is HTTP 200 with a `Response` object: a
`SendStatusSet` with one `Code` per number, or a request-level `Error`.

Knobs tests script failures with:
- `codes`: phone number → the per-number `Code` (e.g. LimitExceeded.PhoneNumberDailyLimit);
- `fail_next`: request-level error codes for the next calls, in order (RequestLimitExceeded…);
- `templates`: template id → how many parameters it takes; an unknown id is
  FailedOperation.TemplateIncorrectOrUnapproved, a wrong count
  InvalidParameterValue.TemplateParameterFormatError.
`calls` records each accepted call's body, `sent` each accepted number; `post_reports` pushes
status callbacks for them.
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

AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>\w+)/"
    r"tc3_request, SignedHeaders=(?P<headers>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
CHINA_OFFSET = timedelta(hours=8)


def _sign(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def expected_signature(
    secret_key: str, headers: dict[str, str], signed: list[str], body: bytes, date: str
) -> str:
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            canonical_headers,
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    string_to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            headers.get("x-tc-timestamp", ""),
            f"{date}/sms/tc3_request",
            hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        ]
    )
    key = _sign(_sign(_sign(("TC3" + secret_key).encode("utf-8"), date), "sms"), "tc3_request")
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SentSms:
    phone_number: str
    template_id: str
    params: list[str]
    serial_no: str


class TencentStandin(Standin):
    channel = "sms"
    provider = "tencent"
    secret_id = "AKIDstandinstandinstandinstandin"  # noqa: S105 - the stand-in's test key
    secret_key = "standin-secret-key-standin"  # noqa: S105 - the stand-in's test key
    sdk_app_id = "1400006666"
    sign_name = "Touchflow"

    def __init__(self) -> None:
        super().__init__()
        self.codes: dict[str, str] = {}
        self.fail_next: list[str] = []
        self.templates: dict[str, int] | None = None  # None: any template is approved
        self.calls: list[dict[str, Any]] = []
        self.sent: list[SentSms] = []
        self._serials = itertools.count(1045710669157053657)

    def account_config(self) -> dict[str, Any]:
        return {
            "secret_id": self.secret_id,
            "secret_key": self.secret_key,
            "sms_sdk_app_id": self.sdk_app_id,
            "sign_name": self.sign_name,
            "endpoint": f"{self.url}/",
        }

    def handle(self, request: StandinRequest) -> StandinResponse:
        refused = self._authenticate(request)
        if refused is not None:
            return _error(refused)
        with self.lock:
            scripted = self.fail_next.pop(0) if self.fail_next else None
        if scripted is not None:
            return _error(scripted)
        headers = request.headers
        if headers.get("x-tc-action") != "SendSms":
            return _error("InvalidAction")
        if headers.get("x-tc-version") != "2021-01-11":
            return _error("InvalidParameter.Version")
        try:
            body = request.json()
            assert isinstance(body, dict)
        except (ValueError, AssertionError):
            return _error("InvalidParameter")
        return self._send_sms(body)

    def _authenticate(self, request: StandinRequest) -> str | None:
        """The Error code refusing the request's credentials, or None when they hold."""
        if request.method != "POST" or not request.headers.get("content-type", "").startswith(
            "application/json"
        ):
            return "InvalidParameter"
        found = AUTHORIZATION.match(request.headers.get("authorization", ""))
        if found is None:
            return "AuthFailure.InvalidAuthorization"
        if found["id"] != self.secret_id:
            return "AuthFailure.SecretIdNotFound"
        try:
            timestamp = int(request.headers.get("x-tc-timestamp", ""))
        except ValueError:
            return "AuthFailure.InvalidAuthorization"
        if abs(clock.now().timestamp() - timestamp) > 300:
            return "AuthFailure.SignatureExpire"
        if found["date"] != datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d"):
            return "AuthFailure.SignatureFailure"
        signed = found["headers"].split(";")
        if found["service"] != "sms" or "host" not in signed or "content-type" not in signed:
            return "AuthFailure.SignatureFailure"
        wanted = expected_signature(
            self.secret_key, dict(request.headers), signed, request.body, found["date"]
        )
        if not hmac.compare_digest(wanted, found["signature"]):
            return "AuthFailure.SignatureFailure"
        return None

    def _send_sms(self, body: dict[str, Any]) -> StandinResponse:
        numbers = body.get("PhoneNumberSet")
        if not isinstance(numbers, list) or not numbers:
            return _error("MissingParameter")
        if len(numbers) > 200:
            return _error("LimitExceeded.PhoneNumberCountLimit")
        if body.get("SmsSdkAppId") != self.sdk_app_id:
            return _error("InvalidParameterValue.SdkAppIdNotExist")
        if body.get("SignName") != self.sign_name:
            return _error("FailedOperation.SignatureIncorrectOrUnapproved")
        template_id = str(body.get("TemplateId") or "")
        params = body.get("TemplateParamSet") or []
        if self.templates is not None:
            if template_id not in self.templates:
                return _error("FailedOperation.TemplateIncorrectOrUnapproved")
            if len(params) != self.templates[template_id]:
                return _error("InvalidParameterValue.TemplateParameterFormatError")
        with self.lock:
            self.calls.append(body)
            statuses = [self._status(str(number), template_id, params) for number in numbers]
        return StandinResponse.json(
            {"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}}
        )

    def _status(self, number: str, template_id: str, params: list[str]) -> dict[str, Any]:
        e164 = number if number.startswith("+") else f"+86{number}"
        code = self.codes.get(number) or self.codes.get(e164)
        if code is None and not E164.match(e164):
            code = "InvalidParameterValue.IncorrectPhoneNumber"
        status: dict[str, Any] = {
            "SerialNo": "",
            "PhoneNumber": e164,
            "Fee": 0,
            "SessionContext": "",
            "Code": code or "Ok",
            "Message": "send success" if code is None else code,
            "IsoCode": "CN" if e164.startswith("+86") else "",
        }
        if code is None:
            serial = f"5000:{next(self._serials)}"
            status.update(SerialNo=serial, Fee=1)
            self.sent.append(SentSms(e164, template_id, list(params), serial))
        return status

    def report(self, sms: SentSms, *, success: bool = True, errmsg: str = "") -> dict[str, Any]:
        """One status report for a number this stand-in accepted."""
        now = (clock.now().astimezone(UTC) + CHINA_OFFSET).strftime("%Y-%m-%d %H:%M:%S")
        return {
            "user_receive_time": now,
            "nationcode": "86",
            "mobile": sms.phone_number.removeprefix("+86"),
            "report_status": "SUCCESS" if success else "FAIL",
            "errmsg": errmsg or ("DELIVRD" if success else "UNDELIV"),
            "description": "用户短信送达成功" if success else "用户短信未送达",
            "sid": sms.serial_no,
        }

    def post_reports(self, receipt_url: str, reports: Sequence[dict[str, Any]]) -> httpx.Response:
        """The status callback: an unsigned JSON array of up to 100 reports."""
        body = json.dumps(list(reports), ensure_ascii=False).encode()
        return self.post_receipt(receipt_url, body, {"Content-Type": "application/json"})


def _error(code: str) -> StandinResponse:
    return StandinResponse.json(
        {"Response": {"Error": {"Code": code, "Message": code}, "RequestId": str(uuid.uuid4())}}
    )


STANDIN = TencentStandin
