"""`POST /hooks/<account>/<token>/`: the token authenticates, the provider verifies and reads,
receipts move statuses forward once each, and nothing a sender sends makes a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from channels_plugins.base import Receipt
from channels_plugins.models import ChannelAccount, Message, MessageStatus, UnusableAddress
from channels_plugins.receipts import apply_receipts
from channels_plugins.registry import Registry
from channels_plugins.services import create_account
from core.models import Contact, Event, Workspace
from tests.channels_plugins.receipts.helpers import SECRET, hook_path, post_receipts
from tests.support.people import person

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def contact(workspace: Workspace) -> Contact:
    return person(workspace, "ann", email="ann@example.com")


@pytest.fixture
def sandbox(workspace: Workspace) -> ChannelAccount:
    return create_account(
        workspace,
        name="push-main",
        channel="push",
        provider="sandbox",
        config={"receipt_secret": SECRET},
    )


@pytest.fixture
def smtp(workspace: Workspace) -> ChannelAccount:
    config = {"host": "127.0.0.1", "from_address": "news@shop.example", "receipt_secret": SECRET}
    return create_account(workspace, name="mail", channel="email", provider="smtp", config=config)


def sent(account: ChannelAccount, contact: Contact, provider_id: str, key: str = "k1") -> Message:
    return Message.objects.create(
        workspace=account.workspace,
        contact=contact,
        channel=account.channel,
        account=account,
        journey_id=3,
        node_id="push1",
        idempotency_key=key,
        status=MessageStatus.SENT,
        provider_message_id=provider_id,
        created_at=NOW,
        sent_at=NOW,
    )


def receipt(rid: str, event: str, provider_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "event": event, "provider_message_id": provider_id, **extra}


def status_of(message: Message) -> str:
    return Message.objects.get(pk=message.pk).status


def test_receipts_move_the_status_forward_and_record_events(
    client: Client, sandbox: ChannelAccount, contact: Contact
) -> None:
    message = sent(sandbox, contact, "sandbox-1")
    body = {
        "receipts": [
            receipt("r1", "message.opened", "sandbox-1", occurred_at="2026-11-02T03:58:00Z"),
            receipt("r2", "message.delivered", "sandbox-1", detail={"device": "phone"}),
            receipt("r3", "message.delivered", "sandbox-404"),
        ]
    }
    response = post_receipts(client, sandbox, body)
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 2, "duplicates": 0, "unknown": 1}
    assert status_of(message) == MessageStatus.OPENED  # the late "delivered" does not undo it
    opened = Event.objects.get(name="message.opened")
    assert opened.occurred_at == datetime(2026, 11, 2, 3, 58, tzinfo=UTC)
    assert opened.source_id == f"receipt:{sandbox.pk}:r1"
    delivered = Event.objects.get(name="message.delivered")
    assert delivered.properties == {
        "device": "phone",
        "receipt_id": "r2",
        "message_id": message.pk,
        "journey": 3,
        "node": "push1",
        "channel": "push",
    }


def test_a_replayed_request_is_answered_200_without_a_second_effect(
    client: Client, sandbox: ChannelAccount, contact: Contact
) -> None:
    sent(sandbox, contact, "sandbox-1")
    body = {"receipts": [receipt("r1", "message.clicked", "sandbox-1")]}
    assert post_receipts(client, sandbox, body).json()["accepted"] == 1
    again = post_receipts(client, sandbox, body)
    assert again.status_code == 200
    assert again.json() == {"accepted": 0, "duplicates": 1, "unknown": 0}
    assert Event.objects.filter(name="message.clicked").count() == 1


def test_a_stale_request_is_refused_with_a_stable_code(
    client: Client, sandbox: ChannelAccount, contact: Contact
) -> None:
    message = sent(sandbox, contact, "sandbox-1")
    body = {"receipts": [receipt("r1", "message.delivered", "sandbox-1")]}
    response = post_receipts(client, sandbox, body, signed_at=NOW - timedelta(minutes=6))
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "timestamp_stale"
    bad = post_receipts(client, sandbox, body, secret="not-the-secret-at-all")
    assert (bad.status_code, bad.json()["errors"][0]["code"]) == (401, "signature_invalid")
    assert status_of(message) == MessageStatus.SENT
    assert not Event.objects.exists()


def test_receipts_only_touch_the_receiving_accounts_messages(
    client: Client, sandbox: ChannelAccount, contact: Contact, workspace: Workspace
) -> None:
    other = create_account(workspace, name="push-2", channel="push", provider="sandbox", config={})
    theirs = sent(other, contact, "sandbox-9")
    body = {"receipts": [receipt("r1", "message.delivered", "sandbox-9")]}
    assert post_receipts(client, sandbox, body).json()["unknown"] == 1
    assert status_of(theirs) == MessageStatus.SENT


def test_a_wrong_token_or_account_is_one_indistinguishable_404(
    client: Client, sandbox: ChannelAccount
) -> None:
    body: dict[str, list[Any]] = {"receipts": []}
    answers = [
        post_receipts(client, sandbox, body, path=f"/hooks/{sandbox.pk}/{'x' * 43}/"),
        post_receipts(client, sandbox, body, path=f"/hooks/{sandbox.pk + 1}/{sandbox.hook_token}/"),
        post_receipts(client, sandbox, body, path=f"/hooks/{10**30}/{sandbox.hook_token}/"),
    ]
    assert {(a.status_code, a.content) for a in answers} == {(404, b'{"detail": "Not found."}')}


def test_only_post_is_allowed_and_a_provider_without_receipts_says_so(
    client: Client, chat_plugin: Registry, sandbox: ChannelAccount, workspace: Workspace
) -> None:
    assert client.get(hook_path(sandbox)).status_code == 405
    chat = ChannelAccount.objects.create(
        workspace=workspace, name="chat", channel="chat", provider="chatops"
    )
    response = post_receipts(client, chat, {"receipts": []})
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "receipts_not_supported"


def test_an_account_without_a_secret_refuses_receipts(client: Client, workspace: Workspace) -> None:
    account = create_account(workspace, name="p", channel="push", provider="sandbox", config={})
    response = post_receipts(client, account, {"receipts": []})
    assert (response.status_code, response.json()["errors"][0]["code"]) == (
        403,
        "receipt_secret_missing",
    )


@pytest.mark.parametrize(
    ("body", "located"),
    [
        (b"\x00\xff", [{"path": "", "code": "invalid_json"}]),
        (b"[" * 100_000, [{"path": "", "code": "too_deep"}]),
        (b'{"receipts": ' + b"[" * 300 + b"]" * 300 + b"}", [{"path": "", "code": "too_deep"}]),
        (
            {
                "receipts": [
                    {"id": "r\u0000", "event": "message.opened", "provider_message_id": "p"}
                ]
            },
            [{"path": "/receipts/0/id", "code": "unstorable_text"}],
        ),
        (
            {"receipts": [{"id": "r1"}]},
            [
                {"path": "/receipts/0/event", "code": "required"},
                {"path": "/receipts/0/provider_message_id", "code": "required"},
            ],
        ),
    ],
)
def test_a_malformed_body_is_a_400_with_located_errors(
    client: Client, sandbox: ChannelAccount, body: Any, located: list[dict[str, str]]
) -> None:
    response = post_receipts(client, sandbox, body)
    assert response.status_code == 400
    errors = [{"path": e["path"], "code": e["code"]} for e in response.json()["errors"]]
    assert errors == located


def test_a_body_over_the_limit_is_refused(
    client: Client, sandbox: ChannelAccount, settings: Any
) -> None:
    settings.TOUCHFLOW = {**settings.TOUCHFLOW, "MAX_RECEIPT_BYTES": 100}
    response = post_receipts(client, sandbox, {"receipts": [], "pad": "x" * 200})
    assert (response.status_code, response.json()["errors"][0]["code"]) == (413, "too_large")


def test_a_hard_bounce_makes_the_address_unusable_a_soft_one_does_not(
    client: Client, smtp: ChannelAccount, contact: Contact, workspace: Workspace
) -> None:
    soft_message = sent(smtp, contact, "<m1@shop.example>", key="k1")
    hard_message = sent(smtp, contact, "<m2@shop.example>", key="k2")
    body = {
        "bounces": [
            {"id": "b1", "provider_message_id": "<m1@shop.example>", "kind": "soft"},
            {
                "id": "b2",
                "message_id": str(hard_message.pk),
                "kind": "hard",
                "smtp_code": 550,
                "diagnostic": "5.1.1 No such user",
            },
        ]
    }
    response = post_receipts(client, smtp, body)
    assert response.json() == {"accepted": 2, "duplicates": 0, "unknown": 0}
    assert status_of(soft_message) == status_of(hard_message) == MessageStatus.BOUNCED
    [unusable] = UnusableAddress.objects.all()
    assert (unusable.workspace_id, unusable.channel, unusable.address) == (
        workspace.pk,
        "email",
        "ann@example.com",
    )
    assert unusable.contact_id == contact.pk
    assert unusable.reason == "message.bounced (smtp): 5.1.1 No such user"
    bounce = Event.objects.get(properties__receipt_id="b2")
    assert bounce.properties["bounce_kind"] == "hard"


def test_receipts_naming_messages_by_any_reference_are_matched_within_the_account(
    sandbox: ChannelAccount, contact: Contact
) -> None:
    message = sent(sandbox, contact, "sandbox-1", key="k1")
    tally = apply_receipts(
        sandbox,
        [
            Receipt(id="a", event="message.delivered", message_id=message.pk),
            Receipt(id="b", event="message.opened", idempotency_key="k1"),
            Receipt(id="c", event="message.opened", message_id=2**70),
            Receipt(id="d", event="message.opened", idempotency_key="k-unknown"),
        ],
    )
    assert tally.as_dict() == {"accepted": 2, "duplicates": 0, "unknown": 2}
    assert status_of(message) == MessageStatus.OPENED
