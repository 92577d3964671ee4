"""The `wechat_oa` provider against its stand-in over real HTTP: template messages, the shared
access token (cached in the database, refreshed on 40001/42001, the rotation race), every
errcode of providers.md A4.2, dispatch's reaction, and signed XML events posted to a live
server."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine

from channels_plugins import tokens
from channels_plugins.base import (
    Failed,
    OutboundMessage,
    Outcome,
    ReceiptMalformed,
    ReceiptRejected,
    ReceiptRequest,
    Sent,
)
from channels_plugins.builtin import wechat_crypto
from channels_plugins.builtin.wechat_oa import WECHAT_OA, token_key
from channels_plugins.dispatch import dispatch_due
from channels_plugins.models import (
    ChannelAccount,
    Message,
    MessageStatus,
    ProviderToken,
    UnusableAddress,
)
from channels_plugins.services import create_account
from channels_plugins.standins.base import serving
from channels_plugins.standins.wechat_oa import WechatOAStandin, sign
from channels_plugins.testing import ProviderContract
from core.models import Contact, Workspace
from core.services.contacts import upsert_contact

NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)  # noon in Shanghai
OPENID = "oia2TjjewbmiOUlr6X-1crbLOvLw"
CONTENT = {
    "template_id": "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
    "data": {"thing3": "Order shipped", "amount4": "¥3598.29"},
    "url": "https://shop.example/orders/9",
    "miniprogram": {"appid": "wx-mini", "pagepath": "index?foo=bar"},
}


class TestWechatOAContract(ProviderContract):
    provider = WECHAT_OA
    example_config = {
        "appid": "wx1234567890abcdef",
        "secret": "0123456789abcdef0123456789abcdef",
        "callback_token": "touchflow",
        "encoding_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "api_base_url": "https://api.weixin.qq.com",
        "timeout": 10,
    }


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def wechat() -> Iterator[WechatOAStandin]:
    with serving(WechatOAStandin()) as standin:
        yield standin  # type: ignore[misc]


def outbound(to: str = OPENID, pk: int = 1, **content: Any) -> OutboundMessage:
    return OutboundMessage(pk, to, {**CONTENT, **content}, f"e{pk}:wechat:1")


def kinds(outcomes: list[Outcome]) -> list[str]:
    return [o.kind if isinstance(o, Failed) else "sent" for o in outcomes]


def stored_token(config: dict[str, Any]) -> str:
    return ProviderToken.objects.get(key=token_key(config)).token


# --- Sending -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_template_message_goes_with_wrapped_values_and_returns_the_msgid(
    wechat: WechatOAStandin, frozen: Any
) -> None:
    [outcome] = WECHAT_OA.send(wechat.account_config(), [outbound(pk=42)])
    [sent] = wechat.sent
    assert outcome == Sent(str(sent["msgid"]))
    assert sent == {
        "touser": OPENID,
        "template_id": CONTENT["template_id"],
        "data": {"thing3": {"value": "Order shipped"}, "amount4": {"value": "¥3598.29"}},
        "url": "https://shop.example/orders/9",
        "miniprogram": {"appid": "wx-mini", "pagepath": "index?foo=bar"},
        "client_msg_id": "e42:wechat:1",
        "msgid": sent["msgid"],
    }
    paths = [(r.method, r.path) for r in wechat.requests]
    assert paths == [
        ("POST", "/cgi-bin/stable_token"),
        ("POST", "/cgi-bin/message/template/send"),
    ]
    token_request = wechat.requests[0].json()
    assert token_request == {
        "grant_type": "client_credential",
        "appid": wechat.appid,
        "secret": wechat.secret,
        "force_refresh": False,
    }


@pytest.mark.django_db
def test_link_and_mini_program_are_left_out_when_not_given(
    wechat: WechatOAStandin, frozen: Any
) -> None:
    content = {"template_id": "tpl", "data": {"thing1": "Hi"}}
    message = OutboundMessage(1, OPENID, content, "k" * 100)
    assert kinds(WECHAT_OA.send(wechat.account_config(), [message])) == ["sent"]
    [sent] = wechat.sent
    assert "url" not in sent
    assert "miniprogram" not in sent
    assert len(sent["client_msg_id"]) == 40  # a long idempotency key is hashed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("override", "kind", "code"),
    [({"secret": "wrong-secret"}, "auth", "40125"), ({"appid": "wx-other"}, "config", "40013")],
)
def test_wrong_credentials_fail_every_message_without_sending(
    wechat: WechatOAStandin, frozen: Any, override: dict[str, str], kind: str, code: str
) -> None:
    config = {**wechat.account_config(), **override}
    outcomes = WECHAT_OA.send(config, [outbound(pk=1), outbound(pk=2)])
    assert kinds(outcomes) == [kind, kind]
    assert isinstance(outcomes[0], Failed)
    assert code in outcomes[0].detail
    assert wechat.sent == []
    assert wechat.token_fetches == 0
    assert not ProviderToken.objects.exists()


@pytest.mark.django_db
def test_a_batch_shares_one_token_and_a_second_worker_reuses_the_stored_one(
    wechat: WechatOAStandin, frozen: Any
) -> None:
    config = wechat.account_config()
    assert kinds(WECHAT_OA.send(config, [outbound(pk=i) for i in range(3)])) == ["sent"] * 3
    assert kinds(WECHAT_OA.send(config, [outbound(pk=9)])) == ["sent"]  # another call, no fetch
    assert wechat.token_fetches == 1
    row = ProviderToken.objects.get(key=token_key(config))
    assert row.token == wechat.current
    assert row.expires_at == NOW + timedelta(seconds=7200)


@pytest.mark.django_db
def test_the_token_is_refetched_five_minutes_before_it_expires(
    wechat: WechatOAStandin, frozen: Any
) -> None:
    config = wechat.account_config()
    WECHAT_OA.send(config, [outbound(pk=1)])
    first = stored_token(config)
    frozen.move_to(NOW + timedelta(seconds=7200 - 301))
    WECHAT_OA.send(config, [outbound(pk=2)])
    assert (wechat.token_fetches, stored_token(config)) == (1, first)
    frozen.move_to(NOW + timedelta(seconds=7200 - 299))
    assert kinds(WECHAT_OA.send(config, [outbound(pk=3)])) == ["sent"]
    assert wechat.token_fetches == 2
    assert stored_token(config) != first  # the stable API's new token, the old one overlapping
    assert wechat.forced_fetches == 0


@pytest.mark.django_db(transaction=True)
def test_workers_in_other_threads_share_the_token_row(wechat: WechatOAStandin) -> None:
    """Each thread has its own database connection, as separate worker processes would."""
    config = wechat.account_config()
    results: dict[str, list[Outcome]] = {}

    def worker(name: str, first: int) -> None:
        results[name] = WECHAT_OA.send(config, [outbound(pk=first + i) for i in range(3)])

    one = threading.Thread(target=worker, args=("one", 0))
    one.start()
    one.join()
    others = [threading.Thread(target=worker, args=(n, 10 * i)) for i, n in enumerate("ab", 1)]
    for thread in others:
        thread.start()
    for thread in others:
        thread.join()
    assert {name: kinds(o) for name, o in results.items()} == {
        "one": ["sent"] * 3,
        "a": ["sent"] * 3,
        "b": ["sent"] * 3,
    }
    assert wechat.token_fetches == 1
    assert len(wechat.sent) == 9


@pytest.mark.django_db
def test_rotation_race_uses_the_token_another_process_stored_without_fetching(
    wechat: WechatOAStandin, frozen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This worker read T1; meanwhile another process force-refreshed to T2 and stored it. Our
    send with T1 gets 40001; re-reading the row finds T2, which is used, not refetched."""
    config = wechat.account_config()
    WECHAT_OA.send(config, [outbound(pk=1)])
    stale = stored_token(config)
    newer = wechat.rotate()
    ProviderToken.objects.filter(key=token_key(config)).update(token=newer)
    monkeypatch.setattr(tokens, "current_token", lambda key, fetch, **kw: stale)
    assert kinds(WECHAT_OA.send(config, [outbound(pk=2)])) == ["sent"]
    assert (wechat.token_fetches, wechat.forced_fetches) == (1, 0)
    sends = [r for r in wechat.requests if r.path.endswith("/template/send")]
    assert [r.query["access_token"][0] for r in sends[1:]] == [stale, newer]


@pytest.mark.django_db
@pytest.mark.parametrize("invalidate", ["rotate", "expire"])
def test_a_rejected_stored_token_is_force_refreshed_and_the_message_retried_once(
    wechat: WechatOAStandin, frozen: Any, invalidate: str
) -> None:
    """WeChat rotated (40001) or expired (42001) the token the row still holds."""
    config = wechat.account_config()
    WECHAT_OA.send(config, [outbound(pk=1)])
    before = stored_token(config)
    getattr(wechat, invalidate)()
    outcomes = WECHAT_OA.send(config, [outbound(pk=2), outbound(pk=3)])
    assert kinds(outcomes) == ["sent", "sent"]
    assert (wechat.token_fetches, wechat.forced_fetches) == (2, 1)
    assert stored_token(config) == wechat.current != before


@pytest.mark.django_db
def test_a_token_still_refused_after_the_refresh_fails_with_auth(
    wechat: WechatOAStandin, frozen: Any
) -> None:
    config = wechat.account_config()
    wechat.next_errors = [40001, 40001]
    outcomes = WECHAT_OA.send(config, [outbound(pk=1), outbound(pk=2)])
    assert kinds(outcomes) == ["auth", "auth"]  # the rest of the batch is not tried
    sends = [r for r in wechat.requests if r.path.endswith("/template/send")]
    assert len(sends) == 2  # one retry, no more
    assert wechat.forced_fetches == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("errcode", "kind"),
    [
        (-1, "transient"),
        (40003, "invalid_recipient"),
        (43004, "invalid_recipient"),
        (43019, "invalid_recipient"),
        (43101, "invalid_recipient"),
        (40037, "content_rejected"),
        (47003, "content_rejected"),
        (40164, "config"),
        (48001, "config"),
        (40014, "auth"),
        (12345, "config"),
    ],
)
def test_each_errcode_maps_to_its_kind(
    wechat: WechatOAStandin, frozen: Any, errcode: int, kind: str
) -> None:
    wechat.next_errors = [errcode, errcode]  # twice: an auth code is retried once
    [outcome] = WECHAT_OA.send(wechat.account_config(), [outbound()])
    assert isinstance(outcome, Failed)
    assert (outcome.kind, outcome.retry_after) == (kind, None)
    assert outcome.detail.startswith(str(errcode))


@pytest.mark.django_db
def test_the_daily_quota_waits_until_midnight_in_china(
    wechat: WechatOAStandin, frozen: Any
) -> None:
    wechat.daily_quota = 1
    outcomes = WECHAT_OA.send(wechat.account_config(), [outbound(pk=i) for i in range(3)])
    assert kinds(outcomes) == ["sent", "rate_limited", "rate_limited"]
    assert isinstance(outcomes[1], Failed)
    assert outcomes[1].retry_after == 12 * 3600  # noon in Shanghai → midnight
    assert len([r for r in wechat.requests if r.path.endswith("/send")]) == 2


@pytest.mark.django_db
def test_invalid_payloads_and_templates_are_refused_by_the_stand_in(
    wechat: WechatOAStandin, frozen: Any
) -> None:
    wechat.templates = {"approved"}
    config = wechat.account_config()
    outcomes = WECHAT_OA.send(
        config,
        [
            outbound(pk=1, template_id="other"),
            outbound(pk=2, template_id="approved", data={"thing1": "x" * 201}),
            outbound(pk=3, template_id="approved"),
        ],
    )
    assert kinds(outcomes) == ["content_rejected", "content_rejected", "sent"]


def test_an_unreachable_server_is_transient(db: Any) -> None:
    config = {"appid": "wx", "secret": "s", "api_base_url": "http://127.0.0.1:9", "timeout": 2}
    assert kinds(WECHAT_OA.send(config, [outbound()])) == ["transient"]


# --- Dispatch ------------------------------------------------------------------------------


@pytest.fixture
def workspace(db: Any) -> Workspace:
    return Workspace.objects.create(slug="shop", name="Shop", timezone="Asia/Shanghai")


def wechat_account(workspace: Workspace, standin: WechatOAStandin) -> ChannelAccount:
    return create_account(
        workspace,
        name="wechat-oa",
        channel="wechat",
        provider="wechat_oa",
        config=standin.account_config(),
    )


def queue(workspace: Workspace, account: ChannelAccount, openid: str) -> Message:
    contact: Contact = upsert_contact(
        workspace,
        {"external_id": openid, "wechat_openid": openid, "consents": {"wechat": True}},
    )[0]
    return Message.objects.create(
        workspace=workspace,
        contact=contact,
        channel="wechat",
        account=account,
        category="transactional",
        content=CONTENT,
        idempotency_key=f"k-{openid}",
        created_at=NOW,
    )


@pytest.mark.django_db
def test_dispatch_sends_retries_and_marks_followers_who_left(
    wechat: WechatOAStandin, workspace: Workspace, frozen: Any
) -> None:
    account = wechat_account(workspace, wechat)
    wechat.errors_for = {"o-left": 43004, "o-busy": -1}
    sent, left, busy = (queue(workspace, account, o) for o in ("o-ok", "o-left", "o-busy"))
    dispatch_due(NOW)
    for message in (sent, left, busy):
        message.refresh_from_db()
    assert sent.status == MessageStatus.SENT
    assert sent.provider_message_id == str(wechat.sent[0]["msgid"])
    assert (left.status, left.reason.split(":")[0]) == (MessageStatus.FAILED, "invalid_recipient")
    assert UnusableAddress.objects.filter(channel="wechat", address="o-left").exists()
    assert busy.status == MessageStatus.PENDING
    assert busy.reason.startswith("retrying after")


@pytest.mark.django_db
def test_dispatch_holds_the_daily_quota_until_the_next_day(
    wechat: WechatOAStandin, workspace: Workspace, frozen: Any
) -> None:
    account = wechat_account(workspace, wechat)
    wechat.daily_quota = 0
    message = queue(workspace, account, "o-quota")
    dispatch_due(NOW)
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert message.next_attempt_at is not None
    assert message.next_attempt_at >= datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # 00:00 +08:00


# --- Events --------------------------------------------------------------------------------


def hook_url(live_server: Any, account: ChannelAccount) -> str:
    return f"{live_server.url}/hooks/{account.pk}/{account.hook_token}/"


@pytest.mark.django_db(transaction=True)
def test_job_finished_events_update_messages_over_http(
    live_server: Any, wechat: WechatOAStandin, workspace: Workspace
) -> None:
    account = wechat_account(workspace, wechat)
    messages = [queue(workspace, account, o) for o in ("o-1", "o-2", "o-3")]
    dispatch_due(datetime.now(UTC))
    url = hook_url(live_server, account)
    msgids = {m["touser"]: m["msgid"] for m in wechat.sent}
    answers = [
        wechat.post_job_finished(url, msgids["o-1"], "o-1", "success"),
        wechat.post_job_finished(url, msgids["o-2"], "o-2", "failed:user block"),
        wechat.post_job_finished(url, msgids["o-3"], "o-3", "failed: system failed"),
        wechat.post_job_finished(url, msgids["o-1"], "o-1", "success"),  # WeChat's retry
    ]
    assert [(a.status_code, a.text) for a in answers] == [(200, "success")] * 4
    for message in messages:
        message.refresh_from_db()
    assert [m.status for m in messages] == [
        MessageStatus.DELIVERED,
        MessageStatus.FAILED,
        MessageStatus.FAILED,
    ]
    unusable = UnusableAddress.objects.values_list("address", flat=True)
    assert list(unusable) == ["o-2"]  # a user block stops later sends; a system failure not


@pytest.mark.django_db(transaction=True)
def test_an_unfollow_makes_the_openid_unusable_and_later_messages_are_skipped(
    live_server: Any, wechat: WechatOAStandin, workspace: Workspace
) -> None:
    account = wechat_account(workspace, wechat)
    answer = wechat.post_unsubscribe(hook_url(live_server, account), "o-gone")
    again = wechat.post_unsubscribe(hook_url(live_server, account), "o-gone")
    assert (answer.status_code, again.status_code) == (200, 200)
    row = UnusableAddress.objects.get()
    assert (row.channel, row.address, row.workspace_id) == ("wechat", "o-gone", workspace.pk)
    message = queue(workspace, account, "o-gone")
    dispatch_due(datetime.now(UTC))
    message.refresh_from_db()
    assert (message.status, message.reason) == (MessageStatus.SKIPPED, "invalid_recipient")
    assert wechat.sent == []


@pytest.mark.django_db(transaction=True)
def test_following_again_makes_the_openid_usable_and_messages_are_sent_again(
    live_server: Any, wechat: WechatOAStandin, workspace: Workspace
) -> None:
    """Regression: an unfollow marked the openid unusable for good, so a follower who came
    back never got a template message again."""
    account = wechat_account(workspace, wechat)
    url = hook_url(live_server, account)
    assert wechat.post_unsubscribe(url, "o-back").status_code == 200
    assert wechat.post_unsubscribe(url, "o-other").status_code == 200
    assert wechat.post_subscribe(url, "o-back").text == "success"
    assert list(UnusableAddress.objects.values_list("address", flat=True)) == ["o-other"]
    message = queue(workspace, account, "o-back")
    dispatch_due(datetime.now(UTC))
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert [sent["touser"] for sent in wechat.sent] == ["o-back"]


@pytest.mark.django_db(transaction=True)
def test_wrongly_signed_and_encrypted_events_are_refused(
    live_server: Any, wechat: WechatOAStandin, workspace: Workspace
) -> None:
    account = wechat_account(workspace, wechat)
    url = hook_url(live_server, account)
    body = wechat.event_xml("o-1", "TEMPLATESENDJOBFINISH", MsgID="1", Status="success")
    wrong = wechat.post_event(url, body, token="not-the-token")
    unsigned = httpx.post(url, content=body)
    encrypted = wechat.post_event(url, b"<xml><Encrypt><![CDATA[abc]]></Encrypt></xml>")
    doctype = wechat.post_event(url, b'<!DOCTYPE x [<!ENTITY a "b">]><xml>&a;</xml>')
    assert (wrong.status_code, wrong.json()["errors"][0]["code"]) == (401, "signature_invalid")
    assert (unsigned.status_code, unsigned.json()["errors"][0]["code"]) == (
        401,
        "signature_missing",
    )
    assert (encrypted.status_code, encrypted.json()["errors"][0]["code"]) == (400, "decrypt_failed")
    assert doctype.json()["errors"][0]["code"] == "doctype_refused"


@pytest.mark.django_db(transaction=True)
def test_the_url_check_echoes_echostr_only_when_signed(
    live_server: Any, wechat: WechatOAStandin, workspace: Workspace
) -> None:
    account = wechat_account(workspace, wechat)
    echostr, answer = wechat.check_url(hook_url(live_server, account))
    _, wrong = wechat.check_url(hook_url(live_server, account), token="guess")
    assert (answer.status_code, answer.text) == (200, echostr)
    assert wrong.status_code == 401


def test_signature_and_staleness_are_checked_on_the_query() -> None:
    config = {"appid": "wx", "secret": "s", "callback_token": "tok"}
    timestamp = str(int(NOW.timestamp()))
    query = {"signature": sign("tok", timestamp, "42"), "timestamp": timestamp, "nonce": "42"}
    fresh = ReceiptRequest(body=b"", headers={}, received_at=NOW, query=query)
    WECHAT_OA.verify_receipt(config, fresh)
    late = ReceiptRequest(body=b"", headers={}, received_at=NOW + timedelta(minutes=6), query=query)
    with pytest.raises(Exception, match="5 minutes"):
        WECHAT_OA.verify_receipt(config, late)
    with pytest.raises(Exception, match="no callback token"):
        WECHAT_OA.verify_receipt({"appid": "wx", "secret": "s"}, fresh)


def test_other_events_and_user_messages_are_ignored() -> None:
    standin = WechatOAStandin()
    menu_click = standin.event_xml("o-1", "CLICK", EventKey="V1001_TODAY_MUSIC")
    text = b"<xml><MsgType><![CDATA[text]]></MsgType><Content>hi</Content></xml>"
    for body in (menu_click, text):
        request = ReceiptRequest(body=body, headers={}, received_at=NOW)
        assert WECHAT_OA.parse_receipts({}, request) == []


# --- Safe mode (encrypted pushes) ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_encrypted_events_are_checked_decrypted_and_applied(
    live_server: Any, wechat: WechatOAStandin, workspace: Workspace
) -> None:
    account = wechat_account(workspace, wechat)
    message = queue(workspace, account, "o-safe")
    dispatch_due(datetime.now(UTC))
    wechat.safe_mode = True
    url = hook_url(live_server, account)
    answer = wechat.post_job_finished(url, wechat.sent[0]["msgid"], "o-safe")
    assert (answer.status_code, answer.text) == (200, "success")
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED


def safe_request(standin: WechatOAStandin, body: bytes, msg_signature: str = "") -> ReceiptRequest:
    """An encrypted push as WeChat signs it (or with `msg_signature` forged)."""
    timestamp, nonce = str(int(NOW.timestamp())), "7"
    encrypted = standin.encrypt(body)
    envelope = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
    real = hashlib.sha1(  # noqa: S324 - WeChat's protocol
        "".join(sorted([standin.callback_token, timestamp, nonce, encrypted])).encode()
    ).hexdigest()
    query = {
        "signature": sign(standin.callback_token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": msg_signature or real,
    }
    return ReceiptRequest(body=envelope, headers={}, received_at=NOW, query=query)


def standin_config(standin: WechatOAStandin) -> dict[str, Any]:
    return {**standin.account_config(), "api_base_url": "http://127.0.0.1:1"}


def test_a_forged_msg_signature_is_refused() -> None:
    standin = WechatOAStandin()
    config = standin_config(standin)
    body = standin.event_xml("o-1", "unsubscribe")
    WECHAT_OA.verify_receipt(config, safe_request(standin, body))
    with pytest.raises(ReceiptRejected) as caught:
        WECHAT_OA.verify_receipt(config, safe_request(standin, body, msg_signature="0" * 40))
    assert caught.value.code == "signature_invalid"


def test_the_previous_key_still_decrypts_and_a_foreign_one_does_not() -> None:
    standin = WechatOAStandin()
    config = standin_config(standin)
    request = safe_request(standin, standin.event_xml("o-1", "unsubscribe"))
    other_key = "A" * 43
    rotated = {
        **config,
        "encoding_aes_key": other_key,
        "previous_encoding_aes_key": config["encoding_aes_key"],
    }
    [receipt] = WECHAT_OA.parse_receipts(rotated, request)
    assert (receipt.recipient, receipt.address_unusable) == ("o-1", True)
    for broken in ({**config, "encoding_aes_key": other_key}, {**config, "appid": "wx-other"}):
        with pytest.raises(ReceiptMalformed) as caught:
            WECHAT_OA.parse_receipts(broken, request)
        assert caught.value.problems[0].code == "decrypt_failed"
    keyless = {k: v for k, v in config.items() if k != "encoding_aes_key"}
    with pytest.raises(ReceiptMalformed) as caught:
        WECHAT_OA.parse_receipts(keyless, request)
    assert caught.value.problems[0].code == "encoding_aes_key_missing"


def test_compatible_mode_without_a_key_reads_the_plain_copy() -> None:
    standin = WechatOAStandin()
    plain = standin.event_xml("o-2", "unsubscribe")
    body = plain.replace(b"</xml>", b"<Encrypt><![CDATA[xyz]]></Encrypt></xml>")
    request = ReceiptRequest(body=body, headers={}, received_at=NOW)
    [receipt] = WECHAT_OA.parse_receipts({"appid": standin.appid}, request)
    assert receipt.recipient == "o-2"


def test_our_cipher_and_the_stand_ins_agree_both_ways() -> None:
    standin = WechatOAStandin()
    key, appid = standin.encoding_aes_key, standin.appid
    message = "<xml>模板消息 ✓</xml>".encode() * 7
    assert wechat_crypto.decrypt(key, appid, standin.encrypt(message)) == message
    assert wechat_crypto.decrypt(key, appid, wechat_crypto.encrypt(key, appid, message)) == message
    with pytest.raises(ValueError, match="43 base64"):
        wechat_crypto.aes_key("short")
