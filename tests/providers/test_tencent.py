"""The `tencent` provider against Tencent Cloud's documented TC3 example and, over real HTTP,
the SendSms stand-in: signing, batches of up to 200 numbers per template, per-number codes to
kinds, what dispatch does with each, and status callbacks posted to a live server."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

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
from channels_plugins.builtin.tencent import (
    CONTENT_TYPE,
    TENCENT,
    canonical_request,
    groups,
    tc3_authorization,
    template_param_set,
)
from channels_plugins.models import Message, MessageStatus, UnusableAddress
from channels_plugins.receipt_hook import receipt_url
from channels_plugins.standins.base import serving
from channels_plugins.standins.tencent import TencentStandin, expected_signature
from channels_plugins.testing import ProviderContract
from core.models import Workspace
from tests.providers.cn_sms_support import NOW, enrolled, sms_journey, tick

# Tencent Cloud's worked example (CVM DescribeInstances): its published digests. The secret
# key is masked in the documentation, so the key-dependent steps are checked against the
# stand-in's independent implementation instead.
DOC_PAYLOAD = b'{"Limit": 1, "Filters": [{"Values": ["unnamed"], "Name": "instance-name"}]}'
DOC_PAYLOAD_SHA = "99d58dfbc6745f6747f36bfca17dee5e6881dc0428a0a36f96199342bc5b4907"
DOC_CANONICAL_SHA = "2815843035062fffda5fd6f2a44ea8a34818b0dc46f024b8b3786976a3adda7a"
OTP = {"template_code": "449739", "template_params": {"1": "{{ contact.first_name }}", "2": "5"}}


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def standin() -> Iterator[TencentStandin]:
    running = TencentStandin()
    with serving(running):
        yield running


def sms(to: str, pk: int = 1, **content: Any) -> OutboundMessage:
    return OutboundMessage(
        id=pk,
        to=to,
        content=content or {"template_code": "449739", "template_params": {"1": "1234"}},
        idempotency_key=f"k-{pk}",
    )


class TestTencentContract(ProviderContract):
    provider = TENCENT
    example_config = {"secret_id": "AKID", "secret_key": "s", "sms_sdk_app_id": "1400006666"}

    def test_an_unsigned_receipt_is_rejected(self) -> None:
        """Status callbacks are unsigned by design: the account URL's token is the proof, so
        verification accepts what the token let through."""
        unsigned = ReceiptRequest(body=b"[]", headers={}, received_at=NOW)
        TENCENT.verify_receipt(self.example_config, unsigned)  # raises nothing


def test_the_canonical_request_matches_tencent_clouds_documented_example() -> None:
    assert hashlib.sha256(DOC_PAYLOAD).hexdigest() == DOC_PAYLOAD_SHA
    built = canonical_request("cvm.tencentcloudapi.com", DOC_PAYLOAD)
    assert hashlib.sha256(built.encode()).hexdigest() == DOC_CANONICAL_SHA


def test_the_signature_agrees_with_the_stand_ins_own_computation() -> None:
    authorization = tc3_authorization(
        "AKIDexample", "secret", "cvm.tencentcloudapi.com", DOC_PAYLOAD, 1551113065, "sms"
    )
    # 1551113065 is 2019-02-26 00:44:25 in China but still 2019-02-25 in UTC: the scope's date.
    assert authorization.startswith(
        "TC3-HMAC-SHA256 Credential=AKIDexample/2019-02-25/sms/tc3_request, "
        "SignedHeaders=content-type;host, Signature="
    )
    headers = {
        "content-type": "application/json; charset=utf-8",
        "host": "cvm.tencentcloudapi.com",
        "x-tc-timestamp": "1551113065",
    }
    wanted = expected_signature(
        "secret", headers, ["content-type", "host"], DOC_PAYLOAD, "2019-02-25"
    )
    assert authorization.endswith(f"Signature={wanted}")


def test_template_parameters_go_in_their_numbered_order() -> None:
    assert template_param_set({"2": "b", "10": "c", "1": "a"}) == ["a", "b", "c"]
    assert template_param_set({"name": "Ann", "code": "12"}) == ["Ann", "12"]


def test_one_call_carries_every_number_of_a_template(standin: TencentStandin) -> None:
    batch = [
        sms("+8613800000001", 1),
        sms("+8613800000002", 2),
        sms("+8613800000003", 3, template_code="449740", template_params={"1": "x"}),
        sms("+8613800000004", 4),
    ]
    outcomes = TENCENT.send(standin.account_config(), batch)
    serials = {s.phone_number: s.serial_no for s in standin.sent}
    assert outcomes == [Sent(serials[m.to]) for m in batch]
    assert [call["PhoneNumberSet"] for call in standin.calls] == [
        ["+8613800000001", "+8613800000002", "+8613800000004"],
        ["+8613800000003"],
    ]
    first = standin.calls[0]
    assert (first["SmsSdkAppId"], first["SignName"], first["TemplateParamSet"]) == (
        "1400006666",
        "Touchflow",
        ["1234"],
    )


def test_calls_hold_at_most_200_numbers_and_each_number_once() -> None:
    batch = [sms(f"+86138{i:08d}", i) for i in range(201)] + [sms("+8613800000000", 999)]
    sizes = [len(indexes) for _, _, indexes in groups(batch)]
    assert sizes == [200, 2]
    assert TENCENT.max_batch_size == 200


def test_a_batch_of_201_goes_in_two_calls(standin: TencentStandin) -> None:
    batch = [sms(f"+86138{i:08d}", i) for i in range(201)]
    outcomes = TENCENT.send(standin.account_config(), batch)
    assert all(isinstance(o, Sent) for o in outcomes)
    assert [len(call["PhoneNumberSet"]) for call in standin.calls] == [200, 1]


def test_a_domestic_number_without_a_country_code_is_matched(standin: TencentStandin) -> None:
    [outcome] = TENCENT.send(standin.account_config(), [sms("13800000001")])
    [sent] = standin.sent
    assert (outcome, sent.phone_number) == (Sent(sent.serial_no), "+8613800000001")


def test_a_wrong_secret_fails_the_batch_as_auth_in_one_call(standin: TencentStandin) -> None:
    config = {**standin.account_config(), "secret_key": "not-the-key"}
    other = {"template_code": "2", "template_params": {"1": "x"}}
    outcomes = TENCENT.send(
        config,
        [sms("+8613800000001", 1), sms("+8613800000002", 2), sms("+8613800000003", 3, **other)],
    )
    assert len(standin.requests) == 1, "the second template's call would fail the same way"
    assert [(o.kind, o.detail.split(":")[0]) for o in outcomes if isinstance(o, Failed)] == [
        ("auth", "AuthFailure.SignatureFailure")
    ] * 3
    assert standin.sent == []


def test_an_unknown_secret_id_and_a_stale_timestamp_are_auth(standin: TencentStandin) -> None:
    unknown = {**standin.account_config(), "secret_id": "AKIDnobody"}
    [first] = TENCENT.send(unknown, [sms("+8613800000001")])
    with time_machine.travel(NOW, tick=False):
        late = _signed_elsewhere(standin)
    assert isinstance(first, Failed)
    assert first.detail.startswith("AuthFailure.SecretIdNotFound")
    assert late == "AuthFailure.SignatureExpire"


def _signed_elsewhere(standin: TencentStandin) -> str:
    """A request signed ten minutes ago arrives now: the stand-in finds it expired."""
    payload = b'{"PhoneNumberSet": ["+8613800000001"]}'
    host = standin.url.removeprefix("http://")
    stamp = int((NOW - timedelta(minutes=10)).timestamp())
    headers = {
        "Authorization": tc3_authorization(
            standin.secret_id, standin.secret_key, host, payload, stamp, "sms"
        ),
        "Content-Type": CONTENT_TYPE,
        "X-TC-Action": "SendSms",
        "X-TC-Version": "2021-01-11",
        "X-TC-Timestamp": str(stamp),
    }
    answer = httpx.post(f"{standin.url}/", content=payload, headers=headers).json()
    return str(answer["Response"]["Error"]["Code"])


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("LimitExceeded.PhoneNumberDailyLimit", "recipient_capped"),
        ("LimitExceeded.PhoneNumberThirtySecondLimit", "recipient_capped"),
        ("LimitExceeded.PhoneNumberOneHourLimit", "recipient_capped"),
        ("LimitExceeded.PhoneNumberSameContentDailyLimit", "recipient_capped"),
        ("LimitExceeded.DeliveryFrequencyLimit", "recipient_capped"),
        ("InvalidParameterValue.IncorrectPhoneNumber", "invalid_recipient"),
        ("FailedOperation.PhoneNumberInBlacklist", "invalid_recipient"),
        ("FailedOperation.ContainSensitiveWord", "content_rejected"),
        ("FailedOperation.TemplateIncorrectOrUnapproved", "content_rejected"),
        ("FailedOperation.SignatureIncorrectOrUnapproved", "content_rejected"),
        ("FailedOperation.InsufficientBalanceInSmsPackage", "config"),
        ("InternalError.Timeout", "transient"),
    ],
)
def test_per_number_codes_map_to_kinds_and_fail_alone(
    standin: TencentStandin, code: str, kind: str
) -> None:
    standin.codes["+8613800000002"] = code
    outcomes = TENCENT.send(
        standin.account_config(), [sms("+8613800000001", 1), sms("+8613800000002", 2)]
    )
    assert isinstance(outcomes[0], Sent)
    failed = outcomes[1]
    assert isinstance(failed, Failed)
    assert (failed.kind, failed.detail.split(":")[0]) == (kind, code)


@pytest.mark.parametrize(
    ("code", "kind", "retry_after"),
    [
        ("RequestLimitExceeded", "rate_limited", 1.0),
        ("LimitExceeded.AppDailyLimit", "rate_limited", 12 * 3600.0),  # until midnight
        ("FailedOperation.MarketingSendTimeConstraint", "rate_limited", 20 * 3600.0),  # 08:00
        ("1029", "rate_limited", 20 * 3600.0),
        ("AuthFailure.SignatureExpire", "auth", None),
        ("InternalError.BackendTimeout", "transient", None),
        ("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "config", None),
    ],
)
def test_request_level_errors_fail_every_number_of_the_call(
    standin: TencentStandin, frozen: Any, code: str, kind: str, retry_after: float | None
) -> None:
    standin.fail_next.append(code)
    outcomes = TENCENT.send(
        standin.account_config(), [sms("+8613800000001", 1), sms("+8613800000002", 2)]
    )
    assert [(o.kind, o.retry_after) for o in outcomes if isinstance(o, Failed)] == [
        (kind, retry_after)
    ] * 2


def test_the_templates_the_stand_in_approves_are_checked(standin: TencentStandin) -> None:
    standin.templates = {"449739": 1}
    outcomes = TENCENT.send(
        standin.account_config(),
        [
            sms("+8613800000001", 1, template_code="1", template_params={"1": "x"}),
            sms("+8613800000002", 2, template_code="449739", template_params={}),
            sms("+8613800000003", 3),
        ],
    )
    assert [getattr(o, "kind", "sent") for o in outcomes] == [
        "content_rejected",
        "config",  # the node's parameters do not fit the template
        "sent",
    ]


def test_free_text_cannot_go_by_tencent_cloud(standin: TencentStandin) -> None:
    [outcome] = TENCENT.send(standin.account_config(), [sms("+8613800000001", body="hello")])
    assert isinstance(outcome, Failed)
    assert outcome.kind == "config"
    assert standin.requests == []


def test_malformed_reports_are_located() -> None:
    body = json.dumps([{"sid": "5000:1", "report_status": "MAYBE"}, "x"]).encode()
    with pytest.raises(ReceiptMalformed) as caught:
        TENCENT.parse_receipts({}, ReceiptRequest(body=body, headers={}, received_at=NOW))
    assert [p.path for p in caught.value.problems] == ["/0/report_status", "/1"]


@pytest.mark.django_db
def test_dispatch_acts_on_each_kind(
    standin: TencentStandin, workspace: Workspace, frozen: Any
) -> None:
    _, journey = sms_journey(
        workspace, provider="tencent", config=standin.account_config(), params=OTP
    )
    standin.codes.update(
        {
            "+8613800000002": "InvalidParameterValue.IncorrectPhoneNumber",
            "+8613800000003": "LimitExceeded.PhoneNumberDailyLimit",
            "+8613800000004": "InternalError.Timeout",
        }
    )
    for name, phone in [
        ("Ann", "+8613800000001"),
        ("Bob", "+8613800000002"),
        ("Cat", "+8613800000003"),
        ("Dan", "+8613800000004"),
    ]:
        enrolled(journey, name, phone)
    tick()
    rows = {
        m.contact.phone: (m.status, m.reason.split(":")[0])
        for m in Message.objects.select_related("contact")
    }
    assert rows == {
        "+8613800000001": (MessageStatus.SENT, ""),
        "+8613800000002": (MessageStatus.FAILED, "invalid_recipient"),
        "+8613800000003": (MessageStatus.FAILED, "recipient_capped"),
        "+8613800000004": (MessageStatus.PENDING, "retrying after transient"),
    }
    assert list(UnusableAddress.objects.values_list("address", flat=True)) == ["+8613800000002"]
    assert [s.params for s in standin.sent] == [["Ann", "5"]]
    del standin.codes["+8613800000004"]
    tick(NOW + timedelta(hours=1))
    assert Message.objects.get(contact__phone="+8613800000004").status == MessageStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_status_callbacks_posted_to_a_live_server_update_the_messages(
    standin: TencentStandin, live_server: Any, workspace: Workspace, settings: Any, frozen: Any
) -> None:
    settings.TOUCHFLOW = {**settings.TOUCHFLOW, "PUBLIC_URL": live_server.url}
    account, journey = sms_journey(
        workspace, provider="tencent", config=standin.account_config(), params=OTP
    )
    enrolled(journey, "Ann", "+8613800000001")
    enrolled(journey, "Bob", "+8613800000002")
    tick()
    ann, bob = standin.sent
    url = receipt_url(account)
    first = standin.post_reports(url, [standin.report(ann), standin.report(bob, success=False)])
    again = standin.post_reports(url, [standin.report(ann)])
    assert first.status_code == 200
    assert first.json()["result"] == 0, "Tencent Cloud retries a callback without result 0"
    assert (first.json()["accepted"], again.json()["duplicates"]) == (2, 1)
    statuses = dict(Message.objects.values_list("contact__phone", "status"))
    assert statuses == {
        "+8613800000001": MessageStatus.DELIVERED,
        "+8613800000002": MessageStatus.FAILED,
    }
