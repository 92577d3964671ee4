"""The `twilio` provider against its stand-in over real HTTP: sending, Twilio's error codes,
dispatch's reaction to each, signed status callbacks and STOP replies at a live server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from django.test import Client

from channels_plugins.base import Failed, OutboundMessage, ReceiptRejected, ReceiptRequest, Sent
from channels_plugins.builtin.twilio import TWILIO, failure_for, signature
from channels_plugins.dispatch import dispatch_due
from channels_plugins.models import (
    ChannelAccount,
    Message,
    MessageCategory,
    MessageStatus,
    UnusableAddress,
)
from channels_plugins.receipt_hook import receipt_url
from channels_plugins.services import create_account
from channels_plugins.standins.base import serving
from channels_plugins.standins.twilio import TwilioStandin
from channels_plugins.testing import ProviderContract
from core.models import Contact, Event, Workspace
from tests.support.people import person

NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)
ANN, BOB = "+14155550101", "+14155550102"


class TestTwilioContract(ProviderContract):
    provider = TWILIO
    example_config = {
        "account_sid": "AC" + "a" * 32,
        "auth_token": "secret",
        "from": "+15005550006",
    }


@pytest.fixture
def standin() -> Iterator[TwilioStandin]:
    running = TwilioStandin()
    with serving(running):
        yield running


def outbound(
    to: str, pk: int = 1, receipt: str = "", content: dict[str, Any] | None = None
) -> OutboundMessage:
    return OutboundMessage(pk, to, content or {"body": "Hi"}, f"key-{pk}", receipt_url=receipt)


# Twilio's own published example (its request-validation docs and libraries' tests).
def test_the_signature_matches_twilios_published_vectors() -> None:
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": ["CA1234567890ABCDE"],
        "Caller": ["+14158675309"],
        "Digits": ["1234"],
        "From": ["+14158675309"],
        "To": ["+18005551212"],
    }
    assert signature("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = {"Sid": ["CA123"], "SidAccount": ["AC123"], "Digits": ["5678", "1234", "1234"]}
    assert signature("12345", url, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_a_batch_is_delivered_one_request_each_with_twilios_fields(
    standin: TwilioStandin,
) -> None:
    hook = "https://touchflow.example/hooks/1/tok/"
    messages = [outbound(f"+1415555{i:04d}", pk=i, receipt=hook) for i in range(10)]
    outcomes = TWILIO.send(standin.account_config(), messages)

    assert all(isinstance(o, Sent) and o.provider_message_id.startswith("SM") for o in outcomes)
    assert len({o.provider_message_id for o in outcomes if isinstance(o, Sent)}) == 10
    by_to = {form["To"]: (sid, form) for sid, form in standin.messages.items()}
    for message, sent in zip(messages, outcomes, strict=True):  # outcomes keep the batch order
        sid, form = by_to[message.to]
        assert isinstance(sent, Sent)
        assert sent.provider_message_id == sid
        assert form == {
            "To": message.to,
            "From": "+15005550006",
            "Body": "Hi",
            "StatusCallback": hook,
        }
    assert {r.headers["content-type"] for r in standin.requests} == {
        "application/x-www-form-urlencoded"
    }


def test_a_messaging_service_and_a_template_use_twilios_fields(standin: TwilioStandin) -> None:
    service = "MG" + "b" * 32
    config = {**standin.account_config(), "messaging_service_sid": service}
    del config["from"]
    config["status_callback"] = False
    content = {"template_code": "HX123", "template_params": {"1": "Ann"}}
    [sent] = TWILIO.send(config, [outbound(ANN, receipt="https://x.test/h/", content=content)])

    assert isinstance(sent, Sent)
    assert standin.messages[sent.provider_message_id] == {
        "To": ANN,
        "MessagingServiceSid": service,
        "ContentSid": "HX123",
        "ContentVariables": '{"1":"Ann"}',
    }


def test_a_wrong_auth_token_fails_as_auth(standin: TwilioStandin) -> None:
    config = {**standin.account_config(), "auth_token": "wrong"}
    assert TWILIO.send(config, [outbound(ANN)]) == [Failed("auth", "20003: Authenticate")]
    assert standin.messages == {}


def test_an_api_key_authenticates_instead_of_the_auth_token(standin: TwilioStandin) -> None:
    config = {
        **standin.account_config(),
        "api_key_sid": standin.api_key_sid,
        "api_key_secret": standin.api_key_secret,
        "auth_token": "only-for-receipts",
    }
    [sent] = TWILIO.send(config, [outbound(ANN)])
    assert isinstance(sent, Sent)
    wrong = {**config, "api_key_secret": "wrong"}
    assert TWILIO.send(wrong, [outbound(ANN)]) == [Failed("auth", "20003: Authenticate")]


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (20003, "auth"),
        (20429, "rate_limited"),
        (21211, "invalid_recipient"),
        (21614, "invalid_recipient"),
        (21610, "invalid_recipient"),
        (21606, "config"),
        (21608, "config"),
        (21612, "config"),
        (21408, "config"),
        (21617, "content_rejected"),
        (20500, "transient"),
    ],
)
def test_twilio_error_codes_map_to_kinds(standin: TwilioStandin, code: int, kind: str) -> None:
    standin.scripted[BOB] = code
    ann, bob = TWILIO.send(standin.account_config(), [outbound(ANN, 1), outbound(BOB, 2)])
    assert isinstance(ann, Sent)  # one refusal fails only its own message
    assert isinstance(bob, Failed)
    assert bob.kind == kind
    assert bob.detail.startswith(f"{code}: ")


def test_a_rate_limit_carries_retry_after(standin: TwilioStandin) -> None:
    standin.scripted[ANN], standin.retry_after = 20429, "7"
    [failed] = TWILIO.send(standin.account_config(), [outbound(ANN)])
    assert failed == Failed("rate_limited", "20429: Too Many Requests", 7.0)


def test_the_stand_in_validates_like_twilio(standin: TwilioStandin) -> None:
    config = standin.account_config()
    bad_number, long_body = TWILIO.send(
        config, [outbound("4155550101", 1), outbound(ANN, 2, content={"body": "x" * 1601})]
    )
    assert isinstance(bad_number, Failed)
    assert bad_number.kind == "invalid_recipient"
    assert isinstance(long_body, Failed)
    assert long_body.kind == "content_rejected"


def test_codes_without_a_table_entry_follow_the_http_status() -> None:
    assert failure_for(503, {}, None) == Failed("transient", "HTTP 503")
    assert failure_for(429, {}, "2") == Failed("rate_limited", "HTTP 429", 2.0)
    assert failure_for(401, {}, None).kind == "auth"
    assert failure_for(404, {"code": 20404, "message": "Not found"}, None).kind == "config"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), ("inf", None), ("nan", None), ("-1", None), ("Wed, 21 Oct 2026", None)],
)
def test_only_a_sane_retry_after_is_passed_on(header: str, seconds: float | None) -> None:
    assert failure_for(429, {"code": 20429}, header).retry_after == seconds
    assert failure_for(429, {}, "999999").retry_after == 86_400.0


def test_an_empty_batch_sends_nothing(standin: TwilioStandin) -> None:
    assert TWILIO.send(standin.account_config(), []) == []
    assert standin.requests == []


def test_nobody_listening_is_transient() -> None:
    with serving(TwilioStandin()) as gone:
        config = gone.account_config()
    [failed] = TWILIO.send(config, [outbound(ANN)])
    assert isinstance(failed, Failed)
    assert failed.kind == "transient"


# Dispatch: what each kind makes of the message, the address and the contact.


@pytest.fixture
def account(workspace: Workspace, standin: TwilioStandin) -> ChannelAccount:
    return create_account(
        workspace,
        name="twilio",
        channel="sms",
        provider="twilio",
        config=standin.account_config(),
    )


def queue(account: ChannelAccount, contact: Contact, key: str) -> Message:
    return Message.objects.create(
        workspace=account.workspace,
        contact=contact,
        channel="sms",
        account=account,
        category=MessageCategory.TRANSACTIONAL,
        content={"body": "Your code is 1234"},
        idempotency_key=key,
        created_at=NOW,
    )


@pytest.mark.django_db
def test_dispatch_sends_through_twilio_with_the_accounts_receipt_url(
    account: ChannelAccount, standin: TwilioStandin, workspace: Workspace
) -> None:
    message = queue(account, person(workspace, "ann", phone=ANN), "k1")
    report = dispatch_due(NOW)
    message.refresh_from_db()
    assert (report.sent, message.status) == (1, MessageStatus.SENT)
    form = standin.messages[message.provider_message_id]
    assert form["StatusCallback"] == receipt_url(account)


@pytest.mark.django_db
def test_dispatch_retries_a_rate_limit_no_sooner_than_twilio_asked(
    account: ChannelAccount, standin: TwilioStandin, workspace: Workspace
) -> None:
    standin.scripted[ANN], standin.retry_after = 20429, "3600"
    message = queue(account, person(workspace, "ann", phone=ANN), "k1")
    dispatch_due(NOW)
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert message.reason.startswith("retrying after rate_limited: 20429")
    assert message.next_attempt_at is not None
    assert message.next_attempt_at >= NOW + timedelta(seconds=3600)


@pytest.mark.django_db
def test_dispatch_fails_an_auth_error_for_good(
    account: ChannelAccount, standin: TwilioStandin, workspace: Workspace
) -> None:
    standin.scripted[ANN] = 20003
    message = queue(account, person(workspace, "ann", phone=ANN), "k1")
    dispatch_due(NOW)
    message.refresh_from_db()
    assert (message.status, message.reason) == (MessageStatus.FAILED, "auth: 20003: Authenticate")


@pytest.mark.django_db
def test_an_invalid_number_is_marked_unusable_and_skipped_afterwards(
    account: ChannelAccount, standin: TwilioStandin, workspace: Workspace
) -> None:
    standin.scripted[ANN] = 21211
    ann = person(workspace, "ann", phone=ANN)
    first = queue(account, ann, "k1")
    dispatch_due(NOW)
    first.refresh_from_db()
    assert first.status == MessageStatus.FAILED
    assert UnusableAddress.objects.filter(channel="sms", address=ANN).exists()
    second = queue(account, ann, "k2")
    dispatch_due(NOW)
    second.refresh_from_db()
    assert (second.status, second.reason) == (MessageStatus.SKIPPED, "invalid_recipient")
    assert len(standin.requests) == 1


@pytest.mark.django_db
def test_a_recipient_who_replied_stop_is_unsubscribed_from_sms(
    account: ChannelAccount,
    standin: TwilioStandin,
    workspace: Workspace,
    django_capture_on_commit_callbacks: Any,
) -> None:
    standin.scripted[ANN] = 21610
    ann = person(workspace, "ann", phone=ANN)
    message = queue(account, ann, "k1")
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due(NOW)
    message.refresh_from_db()
    ann.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "sms" in ann.unsubscribed
    [event] = Event.objects.filter(contact=ann, name="unsubscribed")
    assert event.properties["channel"] == "sms"
    assert event.properties["error_code"] == 21610


# Receipts: signed status callbacks and STOP replies posted to a live server.


@pytest.fixture
def live(live_server: Any, settings: Any) -> Any:
    settings.TOUCHFLOW = {**settings.TOUCHFLOW, "PUBLIC_URL": live_server.url}
    return live_server


@pytest.mark.django_db(transaction=True)
def test_status_callbacks_update_the_message(
    live: Any, account: ChannelAccount, standin: TwilioStandin, workspace: Workspace
) -> None:
    ann = queue(account, person(workspace, "ann", phone=ANN), "k1")
    bob = queue(account, person(workspace, "bob", phone=BOB), "k2")
    dispatch_due(NOW)
    ann.refresh_from_db()
    bob.refresh_from_db()

    sent = standin.deliver(ann.provider_message_id, "sent")
    delivered = standin.deliver(ann.provider_message_id, "delivered")
    again = standin.deliver(ann.provider_message_id, "delivered")
    failed = standin.deliver(bob.provider_message_id, "undelivered", error_code=30005)

    assert sent.json() == {"accepted": 0, "duplicates": 0, "unknown": 0}
    assert delivered.json() == {"accepted": 1, "duplicates": 0, "unknown": 0}
    assert again.json() == {"accepted": 0, "duplicates": 1, "unknown": 0}
    assert failed.json() == {"accepted": 1, "duplicates": 0, "unknown": 0}
    ann.refresh_from_db()
    bob.refresh_from_db()
    assert ann.status == MessageStatus.DELIVERED
    assert bob.status == MessageStatus.FAILED
    assert UnusableAddress.objects.filter(channel="sms", address=BOB).exists()
    event = Event.objects.get(name="message.failed")
    assert event.properties["error_code"] == 30005


@pytest.mark.django_db(transaction=True)
def test_a_callback_signed_with_another_token_or_for_another_url_is_refused(
    live: Any, account: ChannelAccount, standin: TwilioStandin
) -> None:
    url = receipt_url(account)
    params = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered", "To": ANN}
    wrong_token = standin.signed_post(url, params, token="not-the-token")
    body = urlencode(params).encode()
    other_url = httpx.post(
        url,
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature(
                standin.auth_token, url + "?x=1", {k: [v] for k, v in params.items()}
            ),
        },
    )
    unsigned = httpx.post(url, content=body)
    assert (wrong_token.status_code, wrong_token.json()["errors"][0]["code"]) == (
        401,
        "signature_mismatch",
    )
    assert other_url.status_code == 401
    assert (unsigned.status_code, unsigned.json()["errors"][0]["code"]) == (
        401,
        "signature_missing",
    )
    # A query string is part of what Twilio signs: the same URL with it is accepted.
    with_query = standin.signed_post(url + "?x=1", params)
    assert with_query.json() == {"accepted": 0, "duplicates": 0, "unknown": 1}


@pytest.mark.django_db(transaction=True)
def test_an_inbound_stop_unsubscribes_the_number_from_sms(
    live: Any, account: ChannelAccount, standin: TwilioStandin, workspace: Workspace
) -> None:
    ann = person(workspace, "ann", phone=ANN)
    bob = person(workspace, "bob", phone=BOB)
    url = receipt_url(account)

    hello = standin.reply(url, ANN, "hello")
    stop = standin.reply(url, ANN, " stop ")
    repeated = standin.reply(url, ANN, "UNSUBSCRIBE")
    stranger = standin.reply(url, "+14155550199", "STOP")

    assert hello.json() == {"accepted": 0, "duplicates": 0, "unknown": 0}
    assert stop.json() == {"accepted": 1, "duplicates": 0, "unknown": 0}
    assert repeated.json() == {"accepted": 0, "duplicates": 1, "unknown": 0}
    assert stranger.json() == {"accepted": 0, "duplicates": 0, "unknown": 1}
    ann.refresh_from_db()
    bob.refresh_from_db()
    assert "sms" in ann.unsubscribed
    assert not bob.unsubscribed
    [event] = Event.objects.filter(name="unsubscribed")
    assert (event.contact_id, event.properties["channel"]) == (ann.pk, "sms")
    assert event.properties["keyword"] == "STOP"


def test_receipts_without_a_url_or_in_another_shape_are_refused() -> None:
    config = {"auth_token": "t"}
    body = b"MessageSid=SM1&MessageStatus=delivered"
    request = ReceiptRequest(body, {"x-twilio-signature": "abc"}, datetime.now(UTC))
    with pytest.raises(ReceiptRejected) as caught:
        TWILIO.verify_receipt(config, request)
    assert caught.value.status == 403


@pytest.mark.django_db
def test_a_body_that_is_no_twilio_form_is_a_located_400(
    client: Client, account: ChannelAccount, standin: TwilioStandin
) -> None:
    url = receipt_url(account)
    path = url.split("://", 1)[1].split("/", 1)[1]
    params = {"Foo": "bar"}
    sign = signature(standin.auth_token, url, {"Foo": ["bar"]})
    response = client.post(
        f"/{path}",
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": sign},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "/MessageStatus"
