"""Signed click links, the open pixel and one-click unsubscribe, end to end through dispatch,
the `smtp` provider against a real SMTP server (aiosmtpd) and the public endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from channels_plugins import tracking
from channels_plugins.dispatch import dispatch_due
from channels_plugins.models import ChannelAccount, Message, MessageStatus
from channels_plugins.services import create_account
from core.models import Contact, Event, Workspace
from tests.support.people import person
from tests.support.smtp import SmtpServer, smtp_server

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)
BASE = "https://tf.example"
CONTENT = {
    "subject": "Back in stock",
    "body_html": (
        '<html><body><p><a href="https://shop.example/item?id=7&amp;ref=mail">See it</a>'
        ' or <a href="mailto:help@shop.example">ask us</a>.</p></body></html>'
    ),
    "body_text": "See it: https://shop.example/item?id=7&ref=mail. Or write to help@shop.example.",
}
ITEM = "https://shop.example/item?id=7&ref=mail"


@pytest.fixture(autouse=True)
def public_url(settings: Settings) -> None:
    settings.TOUCHFLOW = {**getattr(settings, "TOUCHFLOW", {}), "PUBLIC_URL": BASE + "/"}


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def contact(workspace: Workspace) -> Contact:
    return person(workspace, "ann", email="ann@example.com")


@pytest.fixture
def account(workspace: Workspace, server: SmtpServer) -> ChannelAccount:
    config = server.config(unsubscribe_mailto="leave@shop.example")
    return create_account(
        workspace, name="mail", channel="email", provider="smtp", config=config, track_clicks=True
    )


def email(contact: Contact, account: ChannelAccount | None, key: str, **fields: Any) -> Message:
    values: dict[str, Any] = {
        "workspace": contact.workspace,
        "contact": contact,
        "channel": "email",
        "account": account,
        "journey_id": 7,
        "node_id": "mail1",
        "content": CONTENT,
        "idempotency_key": key,
        "created_at": NOW,
        **fields,
    }
    return Message.objects.create(**values)


def sent(contact: Contact, account: ChannelAccount, key: str = "k1", **fields: Any) -> Message:
    return email(contact, account, key, status=MessageStatus.SENT, **fields)


def path(url: str) -> str:
    assert url.startswith(BASE + "/")
    return url.removeprefix(BASE)


def events(name: str) -> list[Event]:
    return list(Event.objects.filter(name=name))


def status_of(message: Message) -> str:
    return Message.objects.get(pk=message.pk).status


# Tokens ---------------------------------------------------------------------------------------


def test_a_token_gives_back_its_numbers_and_nothing_else_does() -> None:
    token = tracking.make_token(tracking.CLICK, 123456, 3)
    assert tracking.read_token(tracking.CLICK, token) == (123456, 3)
    value, signature = token.split(".")
    assert len(token) < 60
    for forged in (
        f"{value}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",  # altered signature
        f"2n9c-4.{signature}",  # another message's value under this signature
        value,
        "",
        "not-a-token",
    ):
        assert tracking.read_token(tracking.CLICK, forged) is None
    # Purposes do not mix: an open token cannot unsubscribe, a click token is not an open one.
    open_token = tracking.make_token(tracking.OPEN, 123456)
    assert tracking.read_token(tracking.UNSUBSCRIBE, open_token) is None
    assert tracking.read_token(tracking.OPEN, token) is None


def test_a_token_signed_with_another_secret_is_refused(settings: Settings) -> None:
    token = tracking.make_token(tracking.OPEN, 5)
    settings.SECRET_KEY = "another secret key, long enough to be taken for a real one"
    assert tracking.read_token(tracking.OPEN, token) is None


# What dispatch hands over ---------------------------------------------------------------------


def test_tracked_email_content_is_rewritten_at_hand_over_only(
    contact: Contact, account: ChannelAccount
) -> None:
    message = email(contact, account, "k1")
    outbound = tracking.outbound_message(message, "ann@example.com")
    click = tracking.click_url(message.pk, 0)
    html, text = outbound.content["body_html"], outbound.content["body_text"]
    assert f'<a href="{click}">See it</a>' in html
    assert '<a href="mailto:help@shop.example">ask us</a>' in html
    pixel = f'<img src="{tracking.open_url(message.pk)}" width="1" height="1" alt="">'
    assert html.endswith(f"{pixel}</body></html>")
    assert text == f"See it: {click}. Or write to help@shop.example."
    assert outbound.unsubscribe_url == tracking.unsubscribe_url(message.pk)
    # Deterministic, so a retry hands over the same bytes; the stored content is untouched.
    assert tracking.outbound_message(message, "ann@example.com") == outbound
    assert Message.objects.get(pk=message.pk).content == CONTENT


def test_our_own_links_are_not_wrapped_again(contact: Contact, account: ChannelAccount) -> None:
    own = f"{BASE}/u/abc/"
    message = email(contact, account, "k1", content={"subject": "s", "body_text": f"Leave: {own}"})
    outbound = tracking.outbound_message(message, "ann@example.com")
    assert outbound.content["body_text"] == f"Leave: {own}"


def test_without_track_clicks_content_is_untouched_but_unsubscribe_stays(
    contact: Contact, account: ChannelAccount
) -> None:
    account.track_clicks = False
    account.save()
    outbound = tracking.outbound_message(email(contact, account, "k1"), "ann@example.com")
    assert outbound.content == CONTENT
    assert outbound.unsubscribe_url.startswith(f"{BASE}/u/")


def test_transactional_email_offers_no_unsubscribe(
    contact: Contact, account: ChannelAccount
) -> None:
    message = email(contact, account, "k1", category="transactional")
    assert tracking.outbound_message(message, "ann@example.com").unsubscribe_url == ""


def test_other_channels_are_handed_over_as_stored(contact: Contact, workspace: Workspace) -> None:
    push = create_account(
        workspace, name="push", channel="push", provider="sandbox", config={}, track_clicks=True
    )
    content = {"title": "t", "body": "https://shop.example/x"}
    message = email(contact, push, "k1", channel="push", content=content)
    outbound = tracking.outbound_message(message, "token")
    assert (outbound.content, outbound.unsubscribe_url) == (content, "")


# Clicks and opens -----------------------------------------------------------------------------


def test_a_click_redirects_and_records_one_event_per_link(
    client: Client, contact: Contact, account: ChannelAccount
) -> None:
    message = sent(contact, account)
    url = path(tracking.click_url(message.pk, 0))

    first, second = client.get(url), client.get(url)

    assert (first.status_code, first["Location"]) == (302, ITEM)
    assert "no-cache" in first["Cache-Control"]
    assert (second.status_code, second["Location"]) == (302, ITEM)
    [event] = events("message.clicked")
    assert event.properties == {
        "url": ITEM,
        "link_index": 0,
        "message_id": message.pk,
        "journey": 7,
        "node": "mail1",
        "channel": "email",
    }
    assert status_of(message) == MessageStatus.CLICKED


def test_bad_click_tokens_are_404_and_record_nothing(
    client: Client, contact: Contact, account: ChannelAccount
) -> None:
    message = sent(contact, account)
    good = tracking.click_url(message.pk, 0)
    for url in (
        path(good)[:-3] + "x/",  # altered
        path(tracking.click_url(message.pk, 5)),  # signed, but the message has one link
        path(tracking.click_url(message.pk + 100, 0)),  # no such message
        path(tracking.open_url(message.pk)).replace("/t/o/", "/t/c/").replace(".gif", "/"),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(path(good)).status_code == 405
    assert not events("message.clicked")
    assert status_of(message) == MessageStatus.SENT


def test_the_pixel_is_a_fresh_gif_and_one_open(
    client: Client, contact: Contact, account: ChannelAccount
) -> None:
    message = sent(contact, account)
    url = path(tracking.open_url(message.pk))

    responses = [client.get(url), client.get(url)]

    for response in responses:
        assert response.status_code == 200
        assert response["Content-Type"] == "image/gif"
        assert response.content.startswith(b"GIF89a\x01\x00\x01\x00")
        assert "no-store" in response["Cache-Control"]
    assert len(events("message.opened")) == 1
    assert status_of(message) == MessageStatus.OPENED
    assert client.get(url.replace(".gif", "x.gif")).status_code == 404


# Unsubscribe ----------------------------------------------------------------------------------


def test_get_shows_a_confirm_form_and_changes_nothing(
    contact: Contact, account: ChannelAccount
) -> None:
    message = sent(contact, account)
    response = Client().get(path(tracking.unsubscribe_url(message.pk)))
    assert response.status_code == 200
    assert b'<form method="post">' in response.content
    assert b"Acme" in response.content
    assert Contact.objects.get(pk=contact.pk).unsubscribed == {}
    assert not events("message.unsubscribed")


def test_one_click_post_unsubscribes_once_and_later_marketing_is_skipped(
    contact: Contact, account: ChannelAccount, server: SmtpServer
) -> None:
    message = sent(contact, account)
    url = path(tracking.unsubscribe_url(message.pk))
    client = Client(enforce_csrf_checks=True)  # a mailbox provider has no CSRF token
    body = "List-Unsubscribe=One-Click"
    kind = "application/x-www-form-urlencoded"

    first = client.post(url, body, content_type=kind)
    unsubscribed = Contact.objects.get(pk=contact.pk).unsubscribed
    again = client.post(url, body, content_type=kind)

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.content == again.content
    assert b"You are unsubscribed" in first.content
    assert set(unsubscribed) == {"email"}
    assert Contact.objects.get(pk=contact.pk).unsubscribed == unsubscribed
    [event] = events("message.unsubscribed")
    assert event.properties["message_id"] == message.pk
    # The contact-level event `exit_on: ["unsubscribed"]` ends journeys on, once.
    [left] = events("unsubscribed")
    assert left.properties == {"channel": "email", "message_id": message.pk}
    assert status_of(message) == MessageStatus.SENT

    later = email(contact, account, "k2")
    receipt = email(contact, account, "k3", category="transactional")
    dispatch_due(NOW)
    later.refresh_from_db()
    assert (later.status, later.reason) == (MessageStatus.SKIPPED, "unsubscribed")
    assert status_of(receipt) == MessageStatus.SENT
    assert [item.rcpt_tos for item in server.received] == [("ann@example.com",)]


def test_unsubscribe_with_a_bad_token_is_404(client: Client) -> None:
    assert client.post("/u/abc.def/").status_code == 404
    assert client.get("/u/abc.def/").status_code == 404


# Through SMTP ---------------------------------------------------------------------------------


def test_smtp_mail_carries_one_click_unsubscribe_and_tracked_links(
    client: Client, contact: Contact, account: ChannelAccount, server: SmtpServer
) -> None:
    message = email(contact, account, "k1")
    report = dispatch_due(NOW)
    assert report.sent == 1

    [received] = server.received
    mail = received.message
    unsubscribe = tracking.unsubscribe_url(message.pk)
    # A long header is folded onto its own line; unfolding leaves the leading space.
    assert mail["List-Unsubscribe"].strip() == (
        f"<{unsubscribe}>, <mailto:leave@shop.example?subject=unsubscribe>"
    )
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = {part.get_content_type(): part.get_content() for part in mail.iter_parts()}
    click = tracking.click_url(message.pk, 0)
    assert f'<a href="{click}">See it</a>' in parts["text/html"]
    assert tracking.open_url(message.pk) in parts["text/html"]
    assert click in parts["text/plain"]
    assert ITEM not in parts["text/plain"]

    response = client.get(path(click))
    assert (response.status_code, response["Location"]) == (302, ITEM)
    assert status_of(message) == MessageStatus.CLICKED


def test_transactional_smtp_mail_has_no_list_unsubscribe(
    contact: Contact, account: ChannelAccount, server: SmtpServer
) -> None:
    email(contact, account, "k1", category="transactional")
    dispatch_due(NOW)
    [received] = server.received
    assert received.message["List-Unsubscribe"] is None
    assert received.message["List-Unsubscribe-Post"] is None


def test_without_a_mailbox_list_unsubscribe_is_the_link_alone(
    contact: Contact, account: ChannelAccount, server: SmtpServer
) -> None:
    account.config = server.config()
    account.save()
    message = email(contact, account, "k1")
    dispatch_due(NOW)
    [received] = server.received
    assert (
        received.message["List-Unsubscribe"].strip() == f"<{tracking.unsubscribe_url(message.pk)}>"
    )


def test_clicks_and_opens_answer_in_a_few_queries(
    client: Client,
    contact: Contact,
    account: ChannelAccount,
    django_assert_max_num_queries: Any,
) -> None:
    """One read of the message, the event, the status move and the journeys' own look at the
    event (wait_event wakes, goals, event entry), a fixed number whatever the workspace holds."""
    message = sent(contact, account)
    with django_assert_max_num_queries(10):
        assert client.get(path(tracking.open_url(message.pk))).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(path(tracking.click_url(message.pk, 0))).status_code == 302
