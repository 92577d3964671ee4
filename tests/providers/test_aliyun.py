"""The `aliyun` provider against Alibaba Cloud's documented signature example and, over real
HTTP, the Dysmsapi stand-in: signing, error codes to kinds, what dispatch does with each, and
SmsReport receipts posted to a live server."""

from __future__ import annotations

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
    percent_encode,
    rpc_signature,
    signed_params,
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

# Alibaba Cloud's worked example of the RPC signature (DescribeRegions, key "testsecret").
DOC_PARAMS = {
    "AccessKeyId": "testid",
    "Action": "DescribeRegions",
    "Format": "XML",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "SignatureVersion": "1.0",
    "Timestamp": "2016-02-23T12:46:24Z",
    "Version": "2014-05-26",
}
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


def test_the_signature_matches_alibaba_clouds_documented_example() -> None:
    assert string_to_sign("GET", DOC_PARAMS) == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML"
        "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"
        "%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z"
        "%26Version%3D2014-05-26"
    )
    assert rpc_signature("GET", DOC_PARAMS, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


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
    form = standin.requests[0].form()
    assert form["Action"] == ["SendSms"]
    assert form["Version"] == ["2017-05-25"]


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


def test_a_stale_timestamp_and_a_reused_nonce_are_refused(standin: AliyunStandin) -> None:
    action = {"PhoneNumbers": "13800138000", "SignName": "Touchflow", "TemplateCode": "SMS_1"}
    config = standin.account_config()
    with time_machine.travel(NOW - timedelta(minutes=20), tick=False):
        stale = signed_params(config, action)
    fresh = signed_params(config, action)
    with httpx.Client(base_url=standin.url) as http:
        assert http.post("/", data=stale).json()["Code"] == "InvalidTimeStamp.Expired"
        assert http.post("/", data=fresh).json()["Code"] == "OK"
        assert http.post("/", data=fresh).json()["Code"] == "SignatureNonceUsed"


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


def test_the_timestamp_is_utc_whatever_zone_the_clock_is_pinned_in() -> None:
    clock.pin(NOW.astimezone(ZoneInfo("Asia/Shanghai")))
    try:
        params = signed_params(TestAliyunContract.example_config, {"PhoneNumbers": "1"})
    finally:
        clock.pin(None)
    assert params["Timestamp"] == "2026-11-02T04:00:00Z"
