"""The `huawei` provider against the Huawei Push Kit stand-in, over real HTTP.

Sends go through the stand-in's OAuth and messages:send endpoints (which check the client
secret, the bearer token and the payload's shape); receipts are posted by the stand-in, signed
with `X-HUAWEI-CALLBACK-ID`, to a live Touchflow server. Time moves with `time_machine`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from pytest_django.live_server_helper import LiveServer

from channels_plugins.base import Failed, OutboundMessage, ReceiptRejected, ReceiptRequest, Sent
from channels_plugins.builtin.huawei import HUAWEI, MAX_TOKENS, HuaweiAccount, plan
from channels_plugins.builtin.huawei_receipts import (
    CALLBACK_HEADER,
    callback_header,
    provider_message_id,
)
from channels_plugins.builtin.huawei_tokens import TOKENS
from channels_plugins.dispatch import dispatch_due
from channels_plugins.models import ChannelAccount, Message, MessageStatus, UnusableAddress
from channels_plugins.services import create_account
from channels_plugins.standins.base import serving
from channels_plugins.standins.huawei import HuaweiStandin, Scripted
from channels_plugins.testing import ProviderContract
from core.models import Event, Workspace
from core.services.contacts import upsert_contact

CONTENT = {"title": "Flash sale", "body": "Everything 20% off today."}


class TestHuaweiContract(ProviderContract):
    provider = HUAWEI
    example_config = {
        "client_id": "101416183",
        "client_secret": "secret",
        "callback_username": "touchflow",
        "callback_key": "key",
        "transactional_category": "ACCOUNT",
        "ttl": "86400s",
    }


@pytest.fixture(autouse=True)
def fresh_tokens() -> Iterator[None]:
    """Each test starts with no cached token (the cache is process-wide by design)."""
    TOKENS.clear()
    yield
    TOKENS.clear()


@pytest.fixture
def huawei() -> Iterator[HuaweiStandin]:
    standin = HuaweiStandin()
    with serving(standin):
        yield standin


def out(pk: int, token: str, category: str = "marketing", **content: Any) -> OutboundMessage:
    return OutboundMessage(pk, token, {**CONTENT, **content}, f"k{pk}", category=category)


def sent_message(standin: HuaweiStandin, index: int = 0) -> dict[str, Any]:
    message: dict[str, Any] = standin.send_requests()[index].json()["message"]
    return message


# --- Sending -------------------------------------------------------------------------------


def test_a_batch_goes_out_one_request_per_identical_content(huawei: HuaweiStandin) -> None:
    batch = [out(1, "tokA"), out(2, "tokB"), out(3, "tokC", title="Other"), out(4, "tokD")]
    outcomes = HUAWEI.send(huawei.account_config(), batch)

    assert all(isinstance(outcome, Sent) for outcome in outcomes)
    assert huawei.token_requests() == 1  # one token serves every request
    [first, second] = huawei.send_requests()
    assert first.path == "/v1/101416183/messages:send"
    assert first.headers["content-type"] == "application/json; charset=UTF-8"
    assert first.json()["message"]["token"] == ["tokA", "tokB", "tokD"]
    assert second.json()["message"]["token"] == ["tokC"]
    request_ids = {request_id for request_id, _, _ in huawei.delivered}
    assert len(request_ids) == 2
    by_token = {token: request_id for request_id, token, _ in huawei.delivered}
    assert outcomes[0] == Sent(provider_message_id(by_token["tokA"], "tokA"))
    assert outcomes[2] == Sent(provider_message_id(by_token["tokC"], "tokC"))


def test_the_payload_carries_notification_data_click_action_and_options(
    huawei: HuaweiStandin,
) -> None:
    config = {**huawei.account_config(), "ttl": "3600s", "receipt_id": "RCP1"}
    message = out(1, "tokA", data={"order": "42"}, click_action="https://shop.example/42")
    message2 = out(2, "tokB", title="App", click_action="shop://orders/42", image="https://i/x")
    message3 = out(3, "tokC", title="Plain")
    HUAWEI.send(config, [message, message2, message3])

    first, second, third = (sent_message(huawei, i) for i in range(3))
    assert first["notification"] == CONTENT
    assert json.loads(first["data"]) == {"order": "42"}
    android = first["android"]
    assert (android["category"], android["ttl"], android["receipt_id"]) == (
        "MARKETING",
        "3600s",
        "RCP1",
    )
    assert android["notification"]["click_action"] == {"type": 2, "url": "https://shop.example/42"}
    assert second["android"]["notification"]["click_action"] == {
        "type": 1,
        "intent": "shop://orders/42",
    }
    assert second["notification"]["image"] == "https://i/x"
    assert third["android"]["notification"]["click_action"] == {"type": 3}


def test_the_category_follows_the_messages_category(huawei: HuaweiStandin) -> None:
    batch = [out(1, "tokA", "marketing"), out(2, "tokB", "transactional")]
    HUAWEI.send(huawei.account_config(), batch)
    HUAWEI.send({**huawei.account_config(), "transactional_category": "ACCOUNT"}, batch[1:])

    marketing, unclassified, classified = (sent_message(huawei, i) for i in range(3))
    assert marketing["android"]["category"] == "MARKETING"
    assert "category" not in unclassified["android"]  # Huawei classifies it itself
    assert classified["android"]["category"] == "ACCOUNT"


def test_one_device_twice_in_a_batch_gets_two_requests() -> None:
    account = HuaweiAccount.from_config({"client_id": "1", "client_secret": "s"})
    batch = [out(1, "same"), out(2, "other"), out(3, "same")]
    assert [request.tokens for request in plan(account, batch)] == [["same", "other"], ["same"]]


def test_a_group_over_a_thousand_tokens_is_split() -> None:
    account = HuaweiAccount.from_config({"client_id": "1", "client_secret": "s"})
    batch = [out(i, f"t{i}") for i in range(MAX_TOKENS + 5)]
    assert [len(request.tokens) for request in plan(account, batch)] == [MAX_TOKENS, 5]


def test_a_wrong_client_secret_fails_as_auth_without_sending(huawei: HuaweiStandin) -> None:
    config = {**huawei.account_config(), "client_secret": "wrong"}
    outcomes = HUAWEI.send(config, [out(1, "tokA"), out(2, "tokB")])

    assert [type(o) for o in outcomes] == [Failed, Failed]
    assert {o.kind for o in outcomes if isinstance(o, Failed)} == {"auth"}
    assert "invalid client" in outcomes[0].detail  # type: ignore[union-attr]
    assert huawei.send_requests() == []


def test_an_unreachable_provider_is_transient() -> None:
    config = {
        "client_id": "1",
        "client_secret": "s",
        "token_url": "http://127.0.0.1:9/oauth2/v3/token",
        "push_url": "http://127.0.0.1:9",
        "timeout": 2,
    }
    [outcome] = HUAWEI.send(config, [out(1, "tokA")])
    assert isinstance(outcome, Failed)
    assert outcome.kind == "transient"


def test_illegal_tokens_fail_as_invalid_recipient_and_the_rest_are_sent(
    huawei: HuaweiStandin,
) -> None:
    huawei.illegal_tokens = {"dead"}
    outcomes = HUAWEI.send(huawei.account_config(), [out(1, "tokA"), out(2, "dead")])
    assert isinstance(outcomes[0], Sent)
    assert outcomes[1] == Failed("invalid_recipient", "80100000: illegal token")


def test_all_tokens_illegal_fails_every_message_as_invalid_recipient(
    huawei: HuaweiStandin,
) -> None:
    huawei.illegal_tokens = {"dead1", "dead2"}
    outcomes = HUAWEI.send(huawei.account_config(), [out(1, "dead1"), out(2, "dead2")])
    assert [o.kind for o in outcomes if isinstance(o, Failed)] == ["invalid_recipient"] * 2
    assert "80300007" in outcomes[0].detail  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, "80100001", "config"),
        (400, "80100003", "config"),
        (400, "80100004", "config"),
        (400, "80100016", "content_rejected"),
        (403, "80300002", "config"),
        (400, "80300007", "invalid_recipient"),
        (400, "80300008", "config"),
        (400, "80300010", "config"),
        (500, "80600003", "transient"),
        (500, "81000001", "transient"),
        (502, "", "transient"),
        (404, "", "config"),
        (503, "", "rate_limited"),
    ],
)
def test_each_error_code_maps_to_its_kind(
    huawei: HuaweiStandin, status: int, code: str, kind: str
) -> None:
    huawei.script.append(Scripted(status, code))
    outcomes = HUAWEI.send(huawei.account_config(), [out(1, "tokA"), out(2, "tokB")])
    assert [o.kind for o in outcomes if isinstance(o, Failed)] == [kind, kind]


def test_flow_control_gives_retry_after(huawei: HuaweiStandin) -> None:
    huawei.script.append(Scripted(503, "", {"Retry-After": "30"}))
    [outcome] = HUAWEI.send(huawei.account_config(), [out(1, "tokA")])
    assert outcome == Failed("rate_limited", outcome.detail, 30.0)  # type: ignore[union-attr]


def test_a_malformed_payload_is_refused_by_the_stand_in(huawei: HuaweiStandin) -> None:
    """The stand-in checks the shape, so a payload bug in the provider fails tests."""
    import httpx

    with httpx.Client(base_url=huawei.url) as client:
        token = client.post(
            "/oauth2/v3/token",
            data={
                "grant_type": "client_credentials",
                "client_id": huawei.client_id,
                "client_secret": huawei.client_secret,
            },
        ).json()["access_token"]
        answer = client.post(
            f"/v1/{huawei.client_id}/messages:send",
            json={"messages": {"token": ["a"]}},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert (answer.status_code, answer.json()["code"]) == (400, "80300010")


# --- Tokens --------------------------------------------------------------------------------


def test_the_token_is_cached_until_shortly_before_it_expires(huawei: HuaweiStandin) -> None:
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as traveller:
        HUAWEI.send(huawei.account_config(), [out(1, "tokA")])
        traveller.shift(timedelta(minutes=54))
        HUAWEI.send(huawei.account_config(), [out(2, "tokA")])
        assert huawei.token_requests() == 1
        traveller.shift(timedelta(minutes=1, seconds=1))  # within 5 minutes of its hour
        HUAWEI.send(huawei.account_config(), [out(3, "tokA")])
        assert huawei.token_requests() == 2
    assert len(huawei.delivered) == 3


def test_an_expired_token_is_refreshed_once_and_the_send_retried(huawei: HuaweiStandin) -> None:
    HUAWEI.send(huawei.account_config(), [out(1, "tokA")])
    huawei.expire_tokens()  # Huawei revoked it early: 80200003
    [outcome] = HUAWEI.send(huawei.account_config(), [out(2, "tokB")])

    assert isinstance(outcome, Sent)
    assert huawei.token_requests() == 2
    assert len(huawei.send_requests()) == 3  # the refused one, then the retry


def test_a_token_refused_again_after_refreshing_fails_as_auth(huawei: HuaweiStandin) -> None:
    huawei.script += [Scripted(401, "80200001"), Scripted(401, "80200001")]
    [outcome] = HUAWEI.send(huawei.account_config(), [out(1, "tokA")])

    assert isinstance(outcome, Failed)
    assert outcome.kind == "auth"
    assert huawei.token_requests() == 2
    assert len(huawei.send_requests()) == 2  # refreshed once, retried once, no more


def test_a_rotated_secret_gets_its_own_token(huawei: HuaweiStandin) -> None:
    HUAWEI.send(huawei.account_config(), [out(1, "tokA")])
    huawei.client_secret = "rotated"
    [outcome] = HUAWEI.send({**huawei.account_config(), "client_secret": "rotated"}, [out(2, "a")])
    assert isinstance(outcome, Sent)
    assert huawei.token_requests() == 2


# --- Dispatch ------------------------------------------------------------------------------


def push_account(workspace: Workspace, standin: HuaweiStandin) -> ChannelAccount:
    return create_account(
        workspace,
        name="huawei-push",
        channel="push",
        provider="huawei",
        config=standin.account_config(),
    )


def queue(workspace: Workspace, account: ChannelAccount, tokens: list[str]) -> list[Message]:
    made = []
    for index, token in enumerate(tokens):
        contact, _ = upsert_contact(
            workspace,
            {"external_id": f"c{index}", "push_tokens": [{"provider": "huawei", "token": token}]},
        )
        made.append(
            Message.objects.create(
                workspace=workspace,
                contact=contact,
                channel="push",
                account=account,
                category="marketing",
                content=CONTENT,
                idempotency_key=f"m{index}",
                created_at=datetime.now(UTC),
            )
        )
    return made


@pytest.mark.django_db
def test_dispatch_sends_marks_dead_tokens_and_skips_them_next_time(
    workspace: Workspace, huawei: HuaweiStandin
) -> None:
    account = push_account(workspace, huawei)
    huawei.illegal_tokens = {"dead"}
    queue(workspace, account, ["tokA", "dead", "tokB"])

    report = dispatch_due(datetime.now(UTC))

    assert (report.sent, report.failed) == (2, 1)
    assert len(huawei.send_requests()) == 1  # the three tokens in one request
    states = dict(Message.objects.values_list("contact__push_tokens__0__token", "status"))
    assert states == {"tokA": "sent", "dead": "failed", "tokB": "sent"}
    assert UnusableAddress.objects.get().address == "dead"
    dead = Message.objects.get(status=MessageStatus.FAILED)
    assert dead.reason.startswith("invalid_recipient")


@pytest.mark.django_db
def test_dispatch_retries_flow_control_and_fails_rejected_content(
    workspace: Workspace, huawei: HuaweiStandin
) -> None:
    account = push_account(workspace, huawei)
    huawei.script.append(Scripted(503, "", {"Retry-After": "120"}))
    now = datetime.now(UTC)
    [message] = queue(workspace, account, ["tokA"])
    dispatch_due(now)
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert message.reason.startswith("retrying after rate_limited")
    assert message.next_attempt_at is not None
    assert message.next_attempt_at >= now + timedelta(seconds=120)

    huawei.script.append(Scripted(400, "80100016"))
    dispatch_due(message.next_attempt_at)
    message.refresh_from_db()
    assert (message.status, message.reason[:16]) == (MessageStatus.FAILED, "content_rejected")


# --- Receipts ------------------------------------------------------------------------------


def hook_url(live_server: LiveServer, account: ChannelAccount) -> str:
    return f"{live_server.url}/hooks/{account.pk}/{account.hook_token}/"


@pytest.mark.django_db(transaction=True)
def test_receipts_posted_by_huawei_update_messages_and_mark_dead_tokens(
    live_server: LiveServer, huawei: HuaweiStandin
) -> None:
    workspace = Workspace.objects.create(slug="hw", name="HW", timezone="UTC")
    account = push_account(workspace, huawei)
    queue(workspace, account, ["tokA", "gone", "capped"])
    dispatch_due(datetime.now(UTC))
    ids = {token: request_id for request_id, token, _ in huawei.delivered}

    answer = huawei.post_statuses(
        hook_url(live_server, account),
        [
            huawei.status_for(ids["tokA"], "tokA", 0),
            huawei.status_for(ids["gone"], "gone", 2),
            huawei.status_for(ids["capped"], "capped", 102),
        ],
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"accepted": 3, "duplicates": 0, "unknown": 0}
    states = dict(Message.objects.values_list("contact__push_tokens__0__token", "status"))
    assert states == {"tokA": "delivered", "gone": "failed", "capped": "failed"}
    assert list(UnusableAddress.objects.values_list("address", flat=True)) == ["gone"]
    failed = Event.objects.filter(name="message.failed").order_by("id")
    assert [(e.properties["status"], e.properties.get("kind")) for e in failed] == [
        (2, "invalid_recipient"),
        (102, "recipient_capped"),
    ]
    again = huawei.post_statuses(
        hook_url(live_server, account), [huawei.status_for(ids["tokA"], "tokA", 0)]
    )
    assert again.json() == {"accepted": 0, "duplicates": 1, "unknown": 0}


@pytest.mark.django_db(transaction=True)
def test_receipts_signed_with_a_wrong_key_or_unsigned_are_refused(
    live_server: LiveServer, huawei: HuaweiStandin
) -> None:
    workspace = Workspace.objects.create(slug="hw", name="HW", timezone="UTC")
    account = push_account(workspace, huawei)
    status = huawei.status_for("r1", "tokA")

    wrong = huawei.post_statuses(hook_url(live_server, account), [status], key="not-the-key")
    unsigned = huawei.post_receipt(
        hook_url(live_server, account), json.dumps({"statuses": [status]}).encode()
    )
    stale = huawei.post_statuses(
        hook_url(live_server, account), [status], at=datetime.now(UTC) - timedelta(minutes=6)
    )

    assert (wrong.status_code, wrong.json()["errors"][0]["code"]) == (401, "signature_invalid")
    assert (unsigned.status_code, unsigned.json()["errors"][0]["code"]) == (
        401,
        "signature_missing",
    )
    assert (stale.status_code, stale.json()["errors"][0]["code"]) == (401, "timestamp_stale")


def request(body: Any, header: str | None, at: datetime) -> ReceiptRequest:
    headers = {} if header is None else {CALLBACK_HEADER.lower(): header}
    return ReceiptRequest(json.dumps(body).encode(), headers, at)


def test_an_account_without_a_callback_key_refuses_receipts() -> None:
    at = datetime.now(UTC)
    header = callback_header("key", "touchflow", at, "n1")
    with pytest.raises(ReceiptRejected) as caught:
        HUAWEI.verify_receipt({"client_id": "1", "client_secret": "s"}, request({}, header, at))
    assert (caught.value.code, caught.value.status) == ("callback_key_missing", 403)


def test_the_signature_covers_the_user_name() -> None:
    at = datetime.now(UTC)
    config = {"callback_username": "touchflow", "callback_key": "key"}
    HUAWEI.verify_receipt(config, request({}, callback_header("key", "touchflow", at, "n"), at))
    with pytest.raises(ReceiptRejected):
        HUAWEI.verify_receipt(config, request({}, callback_header("key", "other", at, "n"), at))


def test_v2_statuses_are_read_and_bad_ones_located() -> None:
    at = datetime.now(UTC)
    v2 = {
        "statuses": [
            {
                "token": "tokA",
                "requestId": "r1",
                "biTag": "journey-1",
                "deliveryStatus": {"result": 0, "timestamp": 1563105451261},
            }
        ]
    }
    [receipt] = HUAWEI.parse_receipts({}, request(v2, None, at))
    assert receipt.event == "message.delivered"
    assert receipt.provider_message_id == provider_message_id("r1", "tokA")
    assert receipt.occurred_at == datetime(2019, 7, 14, 11, 57, 31, 261000, tzinfo=UTC)
    assert receipt.detail["bi_tag"] == "journey-1"

    from channels_plugins.base import ReceiptMalformed

    bad = {"statuses": [{"token": "t", "status": "0"}, "x"]}
    with pytest.raises(ReceiptMalformed) as caught:
        HUAWEI.parse_receipts({}, request(bad, None, at))
    assert [(p.path, p.code) for p in caught.value.problems] == [
        ("/statuses/0/requestId", "required"),
        ("/statuses/0/status", "invalid"),
        ("/statuses/1", "not_an_object"),
    ]


@pytest.mark.django_db
def test_the_standins_command_points_an_account_that_delivers(
    workspace: Workspace, huawei: HuaweiStandin
) -> None:
    from channels_plugins.management.commands.touchflow_standins import point_accounts, targets_for

    [account] = point_accounts(workspace, targets_for([huawei], []))
    assert (account.name, account.provider) == ("huawei-standin", "huawei")
    queue(workspace, account, ["tokA"])
    assert dispatch_due(datetime.now(UTC)).sent == 1
    assert [token for _, token, _ in huawei.delivered] == ["tokA"]
