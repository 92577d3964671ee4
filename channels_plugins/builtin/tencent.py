"""The `tencent` provider: SMS through Tencent Cloud's `SendSms` (version 2021-01-11).

Hand-written with httpx rather than the official SDK: the SDK brings `requests` (a second HTTP
stack) for one signed POST, and TC3-HMAC-SHA256 is a short function whose canonical request is
checked in the tests against Tencent Cloud's documented worked example. Requests go to the
account's `endpoint` (`https://sms.tencentcloudapi.com/` by default); the signed `host` is the
endpoint's host and port, as the SDK signs it.

One call carries up to 200 numbers sharing a template and its parameters: a batch is grouped
by (template, parameters) and each group is sent in calls of at most 200. The answer has a
`Code` per number (`SendStatusSet`), so a bad number fails alone; a request-level `Error`
fails every number of its call, and one that is the account's fails the rest of the batch.

Receipts (短信下发状态通知) are an unsigned JSON array posted to the account's receipt URL (its
secret token is the proof); each becomes `message.delivered` or `message.failed`, found by
`sid` (the `SerialNo` that `send` returned).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import urlsplit

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

ENDPOINT = "https://sms.tencentcloudapi.com/"
SERVICE = "sms"
API_VERSION = "2021-01-11"
CONTENT_TYPE = "application/json; charset=utf-8"
MAX_NUMBERS = 200

# providers.md A3.3; exact codes first, then the prefix before the first dot.
CODE_KINDS: dict[str, str] = {
    "RequestLimitExceeded": "rate_limited",
    "LimitExceeded.DeliveryFrequencyLimit": "recipient_capped",
    "LimitExceeded.PhoneNumberThirtySecondLimit": "recipient_capped",
    "LimitExceeded.PhoneNumberOneHourLimit": "recipient_capped",
    "LimitExceeded.PhoneNumberDailyLimit": "recipient_capped",
    "LimitExceeded.PhoneNumberSameContentDailyLimit": "recipient_capped",
    "LimitExceeded.AppDailyLimit": "rate_limited",
    "LimitExceeded.DailyLimit": "rate_limited",
    "InvalidParameterValue.IncorrectPhoneNumber": "invalid_recipient",
    "FailedOperation.PhoneNumberInBlacklist": "invalid_recipient",
    "FailedOperation.PhoneNumberParseFail": "invalid_recipient",
    "FailedOperation.ContainSensitiveWord": "content_rejected",
    "FailedOperation.TemplateIncorrectOrUnapproved": "content_rejected",
    "FailedOperation.SignatureIncorrectOrUnapproved": "content_rejected",
    "InvalidParameterValue.ContentLengthLimit": "content_rejected",
    "FailedOperation.InsufficientBalanceInSmsPackage": "config",
    "InvalidParameterValue.TemplateParameterFormatError": "config",
    "FailedOperation.MarketingSendTimeConstraint": "rate_limited",
    "1029": "rate_limited",  # the legacy code: marketing SMS only 08:00-22:00 China time
    "AuthFailure": "auth",
    "UnauthorizedOperation": "config",
    "InternalError": "transient",
}
ACCOUNT_CODES = frozenset(
    {
        "FailedOperation.InsufficientBalanceInSmsPackage",
        "InvalidParameterValue.SdkAppIdNotExist",
        "LimitExceeded.AppDailyLimit",
        "LimitExceeded.DailyLimit",
    }
)
DAILY_CAPS = frozenset({"LimitExceeded.AppDailyLimit", "LimitExceeded.DailyLimit"})
MARKETING_HOURS = frozenset({"FailedOperation.MarketingSendTimeConstraint", "1029"})

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["secret_id", "secret_key", "sms_sdk_app_id"],
    "properties": {
        "secret_id": schema_field(
            "string", "SecretId", "The API key's SecretId (AKID…).", minLength=1
        ),
        "secret_key": schema_field(
            "string",
            "SecretKey",
            "The API key's SecretKey (stored, never shown).",
            minLength=1,
            writeOnly=True,
        ),
        "sms_sdk_app_id": schema_field(
            "string", "SDK AppID", "The SMS application's SdkAppId, e.g. 1400006666.", minLength=1
        ),
        "sign_name": schema_field(
            "string",
            "Signature",
            "The approved signature (签名) content; required for mainland China numbers.",
        ),
        "region": schema_field(
            "string", "Region", "The X-TC-Region of each call.", default="ap-guangzhou"
        ),
        "endpoint": schema_field(
            "string",
            "Endpoint",
            "The SMS API base URL; change it only for a stand-in or a regional endpoint.",
            format="uri",
            default=ENDPOINT,
        ),
        "timeout": cloud_sms.TIMEOUT_FIELD,
    },
}


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_request(host: str, payload: bytes) -> str:
    """The POST canonical request over `content-type;host`, as the SDK signs it."""
    headers = f"content-type:{CONTENT_TYPE}\nhost:{host}\n"
    return f"POST\n/\n\n{headers}\ncontent-type;host\n{sha256_hex(payload)}"


def tc3_authorization(
    secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int, service: str
) -> str:
    """The `Authorization` header value for a POST of `payload` at `timestamp` (unix s)."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    hashed = sha256_hex(canonical_request(host, payload).encode())
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashed}"

    def _hmac(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    signing = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


def template_param_set(values: Mapping[str, str]) -> list[str]:
    """Tencent templates number their variables {1}, {2}, …: keys that are all numbers go in
    numeric order, any other keys in the order the node lists them."""
    keys = list(values)
    if keys and all(key.isdigit() for key in keys):
        keys.sort(key=int)
    return [values[key] for key in keys]


def failure(code: str, message: str) -> Failed:
    kind = CODE_KINDS.get(code) or CODE_KINDS.get(code.split(".")[0]) or "config"
    detail = f"{code}: {message}" if message else code
    retry_after = None
    if code == "RequestLimitExceeded":
        retry_after = 1.0
    elif code in DAILY_CAPS:
        retry_after = cloud_sms.seconds_until(clock.now(), time(0))
    elif code in MARKETING_HOURS:
        retry_after = cloud_sms.seconds_until(clock.now(), time(8))
    return Failed(kind, detail, retry_after)


def groups(messages: Sequence[OutboundMessage]) -> list[tuple[str, list[str], list[int]]]:
    """Message indexes grouped by (template, parameters), at most `MAX_NUMBERS` per group and
    each number once per group, in the order first seen."""
    found: list[tuple[str, list[str], list[int]]] = []
    open_groups: dict[tuple[str, tuple[str, ...]], tuple[str, list[str], list[int]]] = {}
    for index, message in enumerate(messages):
        templ = cloud_sms.template(message)
        if isinstance(templ, Failed):
            continue
        code, values = templ
        params = template_param_set(values)
        key = (code, tuple(params))
        group = open_groups.get(key)
        numbers = {messages[i].to for i in group[2]} if group else set()
        if group is None or len(group[2]) >= MAX_NUMBERS or message.to in numbers:
            group = (code, params, [])
            open_groups[key] = group
            found.append(group)
        group[2].append(index)
    return found


class TencentProvider(Provider):
    def send(self, config: Mapping[str, Any], messages: Sequence[OutboundMessage]) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(messages)
        for index, message in enumerate(messages):
            templ = cloud_sms.template(message)
            if isinstance(templ, Failed):
                outcomes[index] = templ
        timeout = float(config.get("timeout") or cloud_sms.DEFAULT_TIMEOUT)
        account_failure: Failed | None = None  # the account's: later calls would fail alike
        with httpx.Client(timeout=timeout) as http:
            for template_id, params, indexes in groups(messages):
                numbers = [messages[i].to for i in indexes]
                if account_failure is not None:
                    results: list[Outcome] = [account_failure] * len(numbers)
                else:
                    results = self._call(http, config, template_id, params, numbers)
                    account_failure = _account_wide(results)
                for i, outcome in zip(indexes, results, strict=True):
                    outcomes[i] = outcome
        return [outcome or Failed("transient", "no answer") for outcome in outcomes]

    def _call(
        self,
        http: httpx.Client,
        config: Mapping[str, Any],
        template_id: str,
        params: list[str],
        numbers: list[str],
    ) -> list[Outcome]:
        body: dict[str, Any] = {
            "PhoneNumberSet": numbers,
            "SmsSdkAppId": str(config["sms_sdk_app_id"]),
            "TemplateId": template_id,
            "TemplateParamSet": params,
        }
        if config.get("sign_name"):
            body["SignName"] = str(config["sign_name"])
        payload = json.dumps(body, ensure_ascii=False).encode()
        endpoint = str(config.get("endpoint") or ENDPOINT)
        host = urlsplit(endpoint).netloc
        timestamp = int(clock.now().timestamp())
        headers = {
            "Authorization": tc3_authorization(
                str(config["secret_id"]),
                str(config["secret_key"]),
                host,
                payload,
                timestamp,
                SERVICE,
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": API_VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": str(config.get("region") or "ap-guangzhou"),
        }
        try:
            response = http.post(endpoint, content=payload, headers=headers)
            answer = response.json().get("Response")
        except httpx.HTTPError as exc:
            return [Failed("transient", f"Tencent Cloud unreachable: {exc!r}")] * len(numbers)
        except (ValueError, AttributeError):
            answer = None
        if not isinstance(answer, dict):
            kind = "transient" if response.status_code >= 500 else "config"
            detail = f"HTTP {response.status_code} without a SendSms answer"
            return [Failed(kind, detail)] * len(numbers)
        error = answer.get("Error")
        if isinstance(error, dict):
            failed = failure(str(error.get("Code") or ""), str(error.get("Message") or ""))
            return [failed] * len(numbers)
        return _per_number(numbers, answer.get("SendStatusSet"))

    def verify_receipt(self, config: Mapping[str, Any], request: ReceiptRequest) -> None:
        """Status callbacks carry no signature: the account's secret URL token, checked before
        this, is their proof (providers.md A3.3)."""

    def parse_receipts(self, config: Mapping[str, Any], request: ReceiptRequest) -> list[Receipt]:
        return parse_reports(request)

    def receipt_answer(self, counts: Mapping[str, int]) -> dict[str, Any]:
        return {"result": 0, "errmsg": "OK", **counts}


def _account_wide(results: list[Outcome]) -> Failed | None:
    """A request-level failure that is the account's (bad key, no balance, unknown app)."""
    first = results[0] if results else None
    if not isinstance(first, Failed) or any(r is not first for r in results):
        return None
    code = first.detail.split(":")[0]
    if first.kind == "auth" or code in ACCOUNT_CODES or code.startswith("UnauthorizedOperation"):
        return first
    return None


def _per_number(numbers: list[str], statuses: Any) -> list[Outcome]:
    """Each number's `Code`, matched by `PhoneNumber` (Tencent answers in E.164), else by
    position; a number the answer leaves out is transient (its fate is unknown)."""
    statuses = statuses if isinstance(statuses, list) else []
    by_number = {str(s.get("PhoneNumber")): s for s in statuses if isinstance(s, dict)}
    outcomes: list[Outcome] = []
    for position, number in enumerate(numbers):
        status = by_number.get(number)
        if (
            status is None
            and len(statuses) == len(numbers)
            and isinstance(statuses[position], dict)
        ):
            status = statuses[position]
        if status is None:
            outcomes.append(Failed("transient", "the answer did not mention this number"))
        elif status.get("Code") == "Ok":
            outcomes.append(Sent(str(status.get("SerialNo") or "")))
        else:
            outcomes.append(failure(str(status.get("Code")), str(status.get("Message") or "")))
    return outcomes


def parse_reports(request: ReceiptRequest) -> list[Receipt]:
    """The status reports of a callback, each found by `sid` (our `SerialNo`)."""
    return cloud_sms.read_reports(request, _report)


def _report(item: Mapping[str, Any], path: str, problems: list[ReceiptProblem]) -> Receipt | None:
    sid = cloud_sms.text(item, "sid", path, problems)
    status = item.get("report_status")
    if status not in ("SUCCESS", "FAIL"):
        problems.append(
            ReceiptProblem(f"{path}/report_status", "invalid", "report_status is SUCCESS or FAIL.")
        )
    if sid is None or status not in ("SUCCESS", "FAIL"):
        return None
    mobile = str(item.get("mobile") or "")
    return Receipt(
        id=f"tencent:{sid}:{mobile}",
        event="message.delivered" if status == "SUCCESS" else "message.failed",
        provider_message_id=sid,
        occurred_at=cloud_sms.china_time(item.get("user_receive_time")),
        detail=cloud_sms.texts(item, ("errmsg", "description", "nationcode")),
    )


TENCENT = TencentProvider(
    name="tencent",
    title="Tencent Cloud SMS",
    description="Approved-template SMS through Tencent Cloud (SendSms 2021-01-11).",
    channels=("sms",),
    config_schema=CONFIG_SCHEMA,
    max_batch_size=MAX_NUMBERS,
)


@hookimpl
def touchflow_register_providers(register: Callable[[Provider], None]) -> None:
    register(TENCENT)
