"""The `aliyun` provider's ACS3-HMAC-SHA256 signature against one worked out here by hand from
the spec's formulas and, over real HTTP, the Dysmsapi stand-in: signing (and what it refuses),
error codes to kinds, what dispatch does with each, and SmsReport receipts posted to a live
server."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine

from channels_plugins.base import (
    Failed,
    OutboundMessage,
    ReceiptMalformed,
    ReceiptRequest,
    Sent,
)
from channels_plugins.builtin.aliyun import (
    ALIYUN,
    canonical_request,
    percent_encode,
    signed_request,
    string_to_sign,
)
from channels_plugins.models import Message, MessageStatus, UnusableAddress
from channels_plugins.receipt_hook import receipt_url
from channels_plugins.standins.aliyun import AliyunStandin
from channels_plugins.standins.base import serving
from channels_plugins.testing import ProviderContract
from core import clock
from core.models import Workspace
from tests.providers.cn_sms_support import NOW, enrolled, sms_journey, tick

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SEND = {
    "PhoneNumbers": "13800138000",
    "SignName": "Touchflow 测试",
    "TemplateCode": "SMS_154950909",
    "TemplateParam": '{"code":"4821","note":"a*b~c"}',
    "OutId": "k-1",
}
TO_STANDIN = {**SEND, "SignName": AliyunStandin.sign_name}
OTP = {"template_code": "SMS_154950909", "template_params": {"code": "{{ contact.first_name }}"}}


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def standin() -> Iterator[AliyunStandin]:
    running = AliyunStandin()
    with serving(running):
        yield running


def sms(to: str, pk: int = 1, **content: Any) -> OutboundMessage:
    return OutboundMessage(
        id=pk, to=to, content=content or {"template_code": "SMS_1"}, idempotency_key=f"k-{pk}"
    )


class TestAliyunContract(ProviderContract):
    provider = ALIYUN
    example_config = {"access_key_id": "LTAI", "access_key_secret": "s", "sign_name": "Shop"}

    def test_an_unsigned_receipt_is_rejected(self) -> None:
        """SmsReport pushes are unsigned by design: the account URL's token is the proof, so
        verification accepts what the token let through."""
        unsigned = ReceiptRequest(body=b"[]", headers={}, received_at=NOW)
        ALIYUN.verify_receipt(self.example_config, unsigned)  # raises nothing


def test_the_signature_is_the_one_the_spec_gives_for_fixed_inputs(frozen: Any) -> None:
    """CanonicalRequest, StringToSign and Signature written out from providers.md A3.2's
    formulas for a fixed clock, key and parameters (the nonce is read back: it is random)."""
    config = {"access_key_id": "LTAI5tExample", "access_key_secret": "example-secret"}
    url, headers = signed_request(config, "SendSms", SEND)
    nonce = headers["x-acs-signature-nonce"]
    query = (
        "OutId=k-1&PhoneNumbers=13800138000&SignName=Touchflow%20%E6%B5%8B%E8%AF%95"
        "&TemplateCode=SMS_154950909"
        "&TemplateParam=%7B%22code%22%3A%224821%22%2C%22note%22%3A%22a%2Ab~c%22%7D"
    )
    signed = "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
    canonical = (
        "POST\n"
        "/\n"
        f"{query}\n"
        "host:dysmsapi.aliyuncs.com\n"
        "x-acs-action:SendSms\n"
        f"x-acs-content-sha256:{EMPTY_SHA256}\n"
        "x-acs-date:2026-11-02T04:00:00Z\n"
        f"x-acs-signature-nonce:{nonce}\n"
        "x-acs-version:2017-05-25\n"
        "\n"
        f"{signed}\n"
        f"{EMPTY_SHA256}"
    )
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(b"example-secret", to_sign.encode(), hashlib.sha256).hexdigest()

    unsigned = {k: v for k, v in headers.items() if k != "Authorization"}
    assert canonical_request("POST", "/", SEND, unsigned, EMPTY_SHA256) == (canonical, signed)
    assert string_to_sign(canonical) == to_sign
    assert url == f"https://dysmsapi.aliyuncs.com/?{query}"
    assert headers["Authorization"] == (
        f"ACS3-HMAC-SHA256 Credential=LTAI5tExample,SignedHeaders={signed},Signature={signature}"
    )
    assert hashlib.sha256(b"").hexdigest() == EMPTY_SHA256


def test_percent_encoding_follows_alibaba_clouds_rules() -> None:
    assert percent_encode("a b*c~d/é") == "a%20b%2Ac~d%2F%C3%A9"


def test_a_template_sms_is_signed_and_sent(standin: AliyunStandin) -> None:
    message = sms(
        "13800138000",
        template_code="SMS_154950909",
        template_params={"code": "4821", "name": "张三"},
    )
    [outcome] = ALIYUN.send(standin.account_config(), [message])
    [sent] = standin.sent
    assert outcome == Sent(sent.biz_id)
    assert sent.biz_id.endswith("^0")
    assert (sent.phone_number, sent.sign_name, sent.template_code, sent.out_id) == (
        "13800138000",
        "Touchflow",
        "SMS_154950909",
        "k-1",
    )
    assert sent.template_params == {"code": "4821", "name": "张三"}
    [request] = standin.requests
    assert (request.method, request.body) == ("POST", b"")
    assert request.query["TemplateCode"] == ["SMS_154950909"]
    assert request.headers["x-acs-action"] == "SendSms"
    assert request.headers["x-acs-version"] == "2017-05-25"
    assert request.headers["authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAI5t")


def test_a_wrong_secret_is_refused_as_auth(standin: AliyunStandin) -> None:
    config = {**standin.account_config(), "access_key_secret": "not-the-secret"}
    batch = [sms("13800138000", 1), sms("13800138001", 2)]
    outcomes = ALIYUN.send(config, batch)
    assert [o.kind for o in outcomes if isinstance(o, Failed)] == ["auth", "auth"]
    assert outcomes[0].detail.startswith("SignatureDoesNotMatch")  # type: ignore[union-attr]
    assert len(standin.requests) == 1, "the rest of the batch would fail the same way"
    assert standin.sent == []


def test_an_unknown_access_key_is_auth(standin: AliyunStandin) -> None:
    config = {**standin.account_config(), "access_key_id": "LTAI-nobody"}
    [outcome] = ALIYUN.send(config, [sms("13800138000")])
    assert isinstance(outcome, Failed)
    assert outcome.kind == "auth"
    assert outcome.detail.startswith("InvalidAccessKeyId.NotFound")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("another number in the query", "SignatureDoesNotMatch"),
        ("another action header", "SignatureDoesNotMatch"),
        ("a body the hash does not cover", "SignatureDoesNotMatch"),
        ("a body with its hash, unsigned", "SignatureDoesNotMatch"),
        ("an x-acs header left out of SignedHeaders", "IncompleteSignature"),
        ("no Authorization", "IncompleteSignature"),
    ],
)
def test_a_request_changed_after_signing_is_refused(
    standin: AliyunStandin, change: str, code: str
) -> None:
    url, headers = signed_request(standin.account_config(), "SendSms", TO_STANDIN)
    body = b""
    if change == "another number in the query":
        url = url.replace("13800138000", "13900139000")
    elif change == "another action header":
        headers["x-acs-action"] = "SendBatchSms"
    elif change == "a body the hash does not cover":
        body = b"PhoneNumbers=13900139000"
    elif change == "a body with its hash, unsigned":
        body = b"PhoneNumbers=13900139000"
        headers["x-acs-content-sha256"] = hashlib.sha256(body).hexdigest()
    elif change == "an x-acs header left out of SignedHeaders":
        headers["x-acs-security-token"] = "added"
    else:
        del headers["Authorization"]
    answer = httpx.post(url, headers=headers, content=body)
    assert answer.status_code == 400
    assert answer.json()["Code"] == code
    assert set(answer.json()) >= {"RequestId", "HostId", "Message", "Recommend"}
    assert standin.sent == []
    unchanged = signed_request(standin.account_config(), "SendSms", TO_STANDIN)
    assert httpx.post(unchanged[0], headers=unchanged[1]).json()["Code"] == "OK"


@pytest.mark.parametrize("skew", [timedelta(minutes=-16), timedelta(minutes=16)])
def test_a_request_dated_more_than_15_minutes_off_is_refused(
    standin: AliyunStandin, frozen: Any, skew: timedelta
) -> None:
    with time_machine.travel(NOW + skew, tick=False):
        url, headers = signed_request(standin.account_config(), "SendSms", TO_STANDIN)
    answer = httpx.post(url, headers=headers)
    assert (answer.status_code, answer.json()["Code"]) == (400, "InvalidTimeStamp.Expired")
    with time_machine.travel(NOW + skew * 14 / 16, tick=False):
        url, headers = signed_request(standin.account_config(), "SendSms", TO_STANDIN)
    assert httpx.post(url, headers=headers).json()["Code"] == "OK", "14 minutes is within"
    assert [s.out_id for s in standin.sent] == ["k-1"]


def test_a_replayed_request_is_refused_for_its_nonce(standin: AliyunStandin) -> None:
    url, headers = signed_request(standin.account_config(), "SendSms", TO_STANDIN)
    with httpx.Client() as http:
        assert http.post(url, headers=headers).json()["Code"] == "OK"
        replay = http.post(url, headers=headers)
    assert (replay.status_code, replay.json()["Code"]) == (400, "SignatureNonceUsed")
    assert len(standin.sent) == 1


def test_each_message_of_a_batch_gets_its_own_outcome(standin: AliyunStandin) -> None:
    standin.codes["13800138001"] = "isv.MOBILE_NUMBER_ILLEGAL"
    outcomes = ALIYUN.send(
        standin.account_config(),
        [sms("13800138000", 1), sms("13800138001", 2), sms("13800138002", 3)],
    )
    assert [type(o).__name__ for o in outcomes] == ["Sent", "Failed", "Sent"]
    assert [s.phone_number for s in standin.sent] == ["13800138000", "13800138002"]


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("isv.BUSINESS_LIMIT_CONTROL", "recipient_capped"),
        ("isv.MOBILE_NUMBER_ILLEGAL", "invalid_recipient"),
        ("isv.SMS_CONTENT_ILLEGAL", "content_rejected"),
        ("isv.SMS_TEMPLATE_ILLEGAL", "config"),
        ("isv.SMS_SIGNATURE_ILLEGAL", "config"),
        ("isv.SMS_SIGN_ILLEGAL", "config"),
        ("isv.SMS_SIGNATURE_SCENE_ILLEGAL", "config"),
        ("isv.TEMPLATE_MISSING_PARAMETERS", "config"),
        ("isv.INVALID_JSON_PARAM", "config"),
        ("isv.OUT_OF_SERVICE", "config"),
        ("isv.AMOUNT_NOT_ENOUGH", "config"),
        ("isp.RAM_PERMISSION_DENY", "config"),
        ("isv.DENY_IP_RANGE", "config"),
        ("isv.MONTH_LIMIT_CONTROL", "rate_limited"),
        ("isp.SYSTEM_ERROR", "transient"),
    ],
)
def test_business_codes_map_to_kinds(standin: AliyunStandin, code: str, kind: str) -> None:
    standin.codes["13800138000"] = code
    [outcome] = ALIYUN.send(standin.account_config(), [sms("13800138000")])
    assert isinstance(outcome, Failed)
    assert (outcome.kind, outcome.detail.split(":")[0]) == (kind, code)


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, "Throttling.User", "rate_limited"),
        (400, "Throttling.Api", "rate_limited"),
        (503, "ServiceUnavailable", "transient"),
        (403, "InvalidAccessKeyId.Inactive", "auth"),
    ],
)
def test_gateway_errors_map_to_kinds(
    standin: AliyunStandin, status: int, code: str, kind: str
) -> None:
    standin.fail_next.append((status, code))
    [outcome] = ALIYUN.send(standin.account_config(), [sms("13800138000")])
    assert isinstance(outcome, Failed)
    assert outcome.kind == kind


def test_the_account_daily_cap_retries_after_midnight_china_time(
    standin: AliyunStandin, frozen: Any
) -> None:
    standin.codes["13800138000"] = "isv.DAY_LIMIT_CONTROL"
    [outcome] = ALIYUN.send(standin.account_config(), [sms("13800138000")])
    assert isinstance(outcome, Failed)
    assert outcome.kind == "rate_limited"
    assert outcome.retry_after == 12 * 3600  # NOW is 12:00 in Shanghai


def test_the_template_the_stand_in_approves_is_checked(standin: AliyunStandin) -> None:
    standin.templates = {"SMS_1": {"code"}}
    outcomes = ALIYUN.send(
        standin.account_config(),
        [
            sms("13800138000", 1, template_code="SMS_2"),
            sms("13800138000", 2, template_code="SMS_1", template_params={"other": "x"}),
            sms("13800138000", 3, template_code="SMS_1", template_params={"code": "1"}),
        ],
    )
    assert [getattr(o, "detail", "ok").split(":")[0] for o in outcomes] == [
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "ok",
    ]


def test_free_text_cannot_go_by_alibaba_cloud(standin: AliyunStandin) -> None:
    [outcome] = ALIYUN.send(standin.account_config(), [sms("13800138000", body="hello")])
    assert isinstance(outcome, Failed)
    assert outcome.kind == "config"
    assert standin.requests == []


def test_nobody_listening_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = {"access_key_id": "a", "access_key_secret": "b", "sign_name": "c"}
    config["endpoint"] = f"http://127.0.0.1:{port}/"
    [outcome] = ALIYUN.send(config, [sms("13800138000")])
    assert isinstance(outcome, Failed)
    assert outcome.kind == "transient"


def test_malformed_reports_are_located() -> None:
    body = json.dumps([{"biz_id": "1^0", "phone_number": "138", "success": "yes"}, 3]).encode()
    with pytest.raises(ReceiptMalformed) as caught:
        ALIYUN.parse_receipts({}, ReceiptRequest(body=body, headers={}, received_at=NOW))
    assert [p.path for p in caught.value.problems] == ["/0/success", "/1"]


# Dispatch: `touchflow_tick` sends through the stand-in and acts on each kind.


@pytest.mark.django_db
def test_dispatch_acts_on_each_kind(
    standin: AliyunStandin, workspace: Workspace, frozen: Any
) -> None:
    _, journey = sms_journey(
        workspace, provider="aliyun", config=standin.account_config(), params=OTP
    )
    standin.codes.update(
        {
            "13800000002": "isv.MOBILE_NUMBER_ILLEGAL",
            "13800000003": "isv.BUSINESS_LIMIT_CONTROL",
            "13800000004": "isv.SMS_CONTENT_ILLEGAL",
        }
    )
    standin.fail_next.append((400, "Throttling.User"))
    for name, phone in [
        ("Ann", "13800000005"),  # throttled first: retried
        ("Bob", "13800000001"),
        ("Cat", "13800000002"),
        ("Dan", "13800000003"),
        ("Eve", "13800000004"),
    ]:
        enrolled(journey, name, phone)
    tick()
    rows = {
        m.contact.phone: (m.status, m.reason.split(":")[0])
        for m in Message.objects.select_related("contact")
    }
    assert rows == {
        "13800000005": (MessageStatus.PENDING, "retrying after rate_limited"),
        "13800000001": (MessageStatus.SENT, ""),
        "13800000002": (MessageStatus.FAILED, "invalid_recipient"),
        "13800000003": (MessageStatus.FAILED, "recipient_capped"),
        "13800000004": (MessageStatus.FAILED, "content_rejected"),
    }
    assert list(UnusableAddress.objects.values_list("address", flat=True)) == ["13800000002"]
    assert {s.template_params["code"] for s in standin.sent} == {"Bob"}
    tick(NOW + timedelta(hours=1))
    assert Message.objects.get(contact__phone="13800000005").status == MessageStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_sms_reports_posted_to_a_live_server_update_the_messages(
    standin: AliyunStandin, live_server: Any, workspace: Workspace, settings: Any, frozen: Any
) -> None:
    settings.TOUCHFLOW = {**settings.TOUCHFLOW, "PUBLIC_URL": live_server.url}
    account, journey = sms_journey(
        workspace, provider="aliyun", config=standin.account_config(), params=OTP
    )
    enrolled(journey, "Ann", "13800000001")
    enrolled(journey, "Bob", "13800000002")
    tick()
    ann, bob = standin.sent
    url = receipt_url(account)
    first = standin.post_reports(
        url, [standin.report(ann), standin.report(bob, success=False, err_code="MK:0005")]
    )
    again = standin.post_reports(url, [standin.report(ann)])
    assert first.status_code == 200
    assert first.json()["code"] == 0, "Alibaba Cloud retries a push answered without code 0"
    assert (first.json()["accepted"], again.json()["duplicates"]) == (2, 1)
    statuses = dict(Message.objects.values_list("contact__phone", "status"))
    assert statuses == {"13800000001": MessageStatus.DELIVERED, "13800000002": MessageStatus.FAILED}
    wrong = httpx.post(url.replace(account.hook_token, "x" * 43), json=[standin.report(ann)])
    assert wrong.status_code == 404


def test_the_date_is_utc_whatever_zone_the_clock_is_pinned_in() -> None:
    clock.pin(NOW.astimezone(ZoneInfo("Asia/Shanghai")))
    try:
        _, headers = signed_request(TestAliyunContract.example_config, "SendSms", SEND)
    finally:
        clock.pin(None)
    assert headers["x-acs-date"] == "2026-11-02T04:00:00Z"
