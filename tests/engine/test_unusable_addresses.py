"""An address learnt undeliverable (a 550 at send, a hard bounce receipt) is not tried again:
later messages to it are skipped as `invalid_recipient`, transactional ones too, until the
contact has a new address."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from channels_plugins.dispatch import dispatch_due
from channels_plugins.models import (
    ChannelAccount,
    Message,
    MessageCategory,
    MessageStatus,
    UnusableAddress,
)
from channels_plugins.policies import policy_skips
from channels_plugins.services import create_account
from channels_plugins.unusable import mark_address_unusable
from core.models import Contact, Workspace
from tests.channels_plugins.receipts.helpers import SECRET, post_receipts
from tests.support.people import person
from tests.support.smtp import SmtpServer, smtp_server

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def account(workspace: Workspace, server: SmtpServer) -> ChannelAccount:
    config = server.config(receipt_secret=SECRET)
    return create_account(workspace, name="mail", channel="email", provider="smtp", config=config)


def queue(
    account: ChannelAccount,
    contact: Contact,
    key: str,
    category: str = MessageCategory.MARKETING,
) -> Message:
    return Message.objects.create(
        workspace=account.workspace,
        contact=contact,
        channel="email",
        account=account,
        category=category,
        content={"subject": "Hi", "body_text": "Hello"},
        idempotency_key=key,
        created_at=NOW,
    )


def outcome(message: Message) -> tuple[str, str]:
    message.refresh_from_db()
    return message.status, message.reason


def test_a_refused_recipient_is_marked_and_skipped_afterwards_until_the_address_changes(
    account: ChannelAccount, server: SmtpServer, workspace: Workspace
) -> None:
    server.refuse_rcpt["gone@example.com"] = "550 5.1.1 No such user"
    gus = person(workspace, "gus", email="gone@example.com")
    first = queue(account, gus, "k1")
    dispatch_due(NOW)
    assert outcome(first) == (MessageStatus.FAILED, "invalid_recipient: 550 5.1.1 No such user")
    [row] = UnusableAddress.objects.all()
    assert (row.channel, row.address, row.contact_id) == ("email", "gone@example.com", gus.pk)
    assert row.reason == "invalid_recipient: 550 5.1.1 No such user"

    second = queue(account, gus, "k2", category=MessageCategory.TRANSACTIONAL)
    dispatch_due(NOW + timedelta(minutes=1))
    assert outcome(second) == (MessageStatus.SKIPPED, "invalid_recipient")
    assert len(server.received) == 0

    gus = person(workspace, "gus", email="gus@example.com")  # a new address is usable again
    third = queue(account, gus, "k3")
    dispatch_due(NOW + timedelta(minutes=2))
    assert outcome(third)[0] == MessageStatus.SENT
    assert [item.rcpt_tos for item in server.received] == [("gus@example.com",)]


def test_a_hard_bounce_receipt_makes_later_email_skip(
    client: Client, account: ChannelAccount, server: SmtpServer, workspace: Workspace
) -> None:
    ann = person(workspace, "ann", email="ann@example.com")
    first = queue(account, ann, "k1")
    dispatch_due(NOW)
    first.refresh_from_db()
    assert first.status == MessageStatus.SENT
    body = {
        "bounces": [
            {
                "id": "bounce-1",
                "idempotency_key": "k1",
                "kind": "hard",
                "recipient": "ann@example.com",
                "smtp_code": 550,
                "diagnostic": "5.1.1 mailbox unavailable",
            }
        ]
    }
    response = post_receipts(client, account, body)
    assert response.json() == {"accepted": 1, "duplicates": 0, "unknown": 0}
    assert outcome(first)[0] == MessageStatus.BOUNCED
    later = queue(account, ann, "k2")
    dispatch_due(NOW + timedelta(minutes=1))
    assert outcome(later) == (MessageStatus.SKIPPED, "invalid_recipient")
    assert len(server.received) == 1


def test_unusable_addresses_are_per_workspace_and_channel(
    account: ChannelAccount, workspace: Workspace, other_workspace: Workspace
) -> None:
    ann = person(workspace, "ann", email="ann@example.com")
    message = queue(account, ann, "k1")
    mark_address_unusable(
        workspace_id=other_workspace.pk,
        channel="email",
        address="ann@example.com",
        contact_id=None,
        reason="elsewhere",
    )
    mark_address_unusable(
        workspace_id=workspace.pk,
        channel="sms",
        address="ann@example.com",
        contact_id=ann.pk,
        reason="another channel",
    )
    assert policy_skips([(message, "ann@example.com")], NOW) == {}
    assert mark_address_unusable(
        workspace_id=workspace.pk,
        channel="email",
        address="ann@example.com",
        contact_id=ann.pk,
        reason="bounced",
    )
    assert not mark_address_unusable(
        workspace_id=workspace.pk,
        channel="email",
        address="ann@example.com",
        contact_id=ann.pk,
        reason="bounced again",
    )
    assert policy_skips([(message, "ann@example.com")], NOW) == {message.pk: "invalid_recipient"}
