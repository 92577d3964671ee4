"""The `smtp` provider against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from channels_plugins.base import Failed, OutboundMessage, Outcome, Sent
from channels_plugins.builtin.smtp import SMTP, message_id
from channels_plugins.builtin.smtp_replies import kind_for_reply
from channels_plugins.testing import ProviderContract
from tests.support.smtp import SmtpServer, smtp_server

CONTENT = {
    "subject": "Your cart misses you",
    "body_text": "Hi Ana, come back.",
    "body_html": "<p>Hi <b>Ana</b>, come back.</p>",
}


class TestSmtpContract(ProviderContract):
    provider = SMTP
    example_config = {
        "host": "smtp.example.com",
        "port": 587,
        "security": "starttls",
        "username": "news",
        "password": "s3cret",
        "from_address": "news@shop.example",
        "from_name": "Shop",
        "timeout": 10,
    }


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


def outbound(to: str, pk: int = 1, key: str | None = None, **content: Any) -> OutboundMessage:
    return OutboundMessage(pk, to, {**CONTENT, **content}, key or f"e{pk}:send:1")


def kinds(outcomes: list[Outcome]) -> list[str]:
    return [o.kind if isinstance(o, Failed) else "sent" for o in outcomes]


def test_text_and_html_go_as_multipart_alternative_with_our_headers(server: SmtpServer) -> None:
    message = outbound(
        "ana@example.com", pk=42, from_name="Ana's Shop", reply_to="help@shop.example"
    )
    [outcome] = SMTP.send(server.config(from_name="Shop"), [message])
    [received] = server.received
    email = received.message
    assert email.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in email.iter_parts()}
    assert parts == {
        "text/plain": "Hi Ana, come back.",
        "text/html": "<p>Hi <b>Ana</b>, come back.</p>",
    }
    assert email["Subject"] == "Your cart misses you"
    assert email["From"] == "Ana's Shop <news@shop.example>"
    assert email["To"] == "ana@example.com"
    assert email["Reply-To"] == "help@shop.example"
    assert email["X-Touchflow-Message"] == "42"
    assert email["Message-ID"] == message_id("e42:send:1", "shop.example")
    assert email["Message-ID"].endswith(".touchflow@shop.example>")
    assert outcome == Sent(email["Message-ID"])
    assert (received.mail_from, received.rcpt_tos) == ("news@shop.example", ("ana@example.com",))


@pytest.mark.parametrize(
    ("drop", "content_type"), [("body_html", "text/plain"), ("body_text", "text/html")]
)
def test_a_single_body_is_a_single_part(server: SmtpServer, drop: str, content_type: str) -> None:
    content = {k: v for k, v in CONTENT.items() if k != drop}
    [outcome] = SMTP.send(server.config(), [OutboundMessage(1, "ana@example.com", content, "k")])
    assert isinstance(outcome, Sent)
    email = server.received[0].message
    assert email.get_content_type() == content_type
    assert not email.is_multipart()
    assert email["From"] == "news@shop.example"  # no name anywhere: the bare address
    assert email["Reply-To"] is None


def test_an_international_sender_name_and_subject_survive(server: SmtpServer) -> None:
    message = outbound("ana@example.com", subject="你好, Ana")
    [outcome] = SMTP.send(server.config(from_name="优惠商店, Inc."), [message])
    assert isinstance(outcome, Sent)
    email = server.received[0].message
    assert (email["From"], email["Subject"]) == (
        '"优惠商店, Inc." <news@shop.example>',
        "你好, Ana",
    )


def test_a_message_without_a_body_is_refused_alone(server: SmtpServer) -> None:
    bodiless = OutboundMessage(1, "ana@example.com", {"subject": "Nothing"}, "k1")
    outcomes = SMTP.send(server.config(), [bodiless, outbound("sam@example.com", pk=2)])
    assert kinds(outcomes) == ["content_rejected", "sent"]


def test_a_retry_carries_the_same_message_id(server: SmtpServer) -> None:
    first = SMTP.send(server.config(), [outbound("ana@example.com", pk=7)])
    again = SMTP.send(server.config(), [outbound("ana@example.com", pk=7)])
    other = SMTP.send(server.config(), [outbound("ana@example.com", pk=8)])
    ids = [item.message["Message-ID"] for item in server.received]
    assert ids[0] == ids[1] != ids[2]
    assert first == again != other


def test_a_batch_shares_one_session_and_one_refusal_fails_only_its_message(
    server: SmtpServer,
) -> None:
    server.refuse_rcpt["gone@example.com"] = "550 5.1.1 User unknown"
    server.refuse_rcpt["busy@example.com"] = "451 4.3.0 Try again later"
    server.refuse_data["spam@example.com"] = "554 5.7.1 Message rejected as spam"
    server.refuse_rcpt["full@example.com"] = "552 5.2.2 Mailbox full"
    addresses = [
        "ana@example.com",
        "gone@example.com",
        "busy@example.com",
        "spam@example.com",
        "full@example.com",
        "sam@example.com",
    ]
    batch = [outbound(address, pk=n) for n, address in enumerate(addresses, start=1)]
    outcomes = SMTP.send(server.config(), batch)
    assert kinds(outcomes) == [
        "sent",
        "invalid_recipient",
        "transient",
        "content_rejected",
        "recipient_capped",
        "sent",
    ]
    assert isinstance(outcomes[1], Failed)
    assert outcomes[1].detail == "550 5.1.1 User unknown"
    assert [item.rcpt_tos for item in server.received] == [
        ("ana@example.com",),
        ("sam@example.com",),
    ]
    assert len(server.peers()) == 1
    assert server.sessions == 1


def test_a_session_the_server_closes_is_reopened_for_the_rest(server: SmtpServer) -> None:
    server.refuse_rcpt["bye@example.com"] = "421 4.3.2 Service shutting down"
    addresses = ["ana@example.com", "bye@example.com", "sam@example.com"]
    outcomes = SMTP.send(server.config(), [outbound(a, pk=n) for n, a in enumerate(addresses)])
    assert kinds(outcomes) == ["sent", "transient", "sent"]
    assert len(server.peers()) == 2


def test_credentials_are_checked_once_for_the_whole_batch(server: SmtpServer) -> None:
    server.logins["news"] = "right"
    batch = [outbound("ana@example.com", pk=1), outbound("sam@example.com", pk=2)]
    refused = SMTP.send(server.config(username="news", password="wrong"), batch)
    assert kinds(refused) == ["auth", "auth"]
    assert isinstance(refused[0], Failed)
    assert refused[0].detail.startswith("535 ")
    assert server.received == []
    accepted = SMTP.send(server.config(username="news", password="right"), batch)
    assert kinds(accepted) == ["sent", "sent"]
    assert [item.login for item in server.received] == ["news", "news"]


def test_a_malformed_address_fails_alone(server: SmtpServer) -> None:
    batch = [outbound("not an address\n", pk=1), outbound("ana@example.com", pk=2)]
    assert kinds(SMTP.send(server.config(), batch)) == ["invalid_recipient", "sent"]


def test_a_header_with_a_newline_is_rejected_content(server: SmtpServer) -> None:
    batch = [
        outbound("ana@example.com", pk=1, subject="Hi\nBcc: everyone@example.com"),
        outbound("sam@example.com", pk=2),
    ]
    assert kinds(SMTP.send(server.config(), batch)) == ["content_rejected", "sent"]
    assert [item.rcpt_tos for item in server.received] == [("sam@example.com",)]


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_nobody_listening_is_transient_for_every_message() -> None:
    config = {"host": "127.0.0.1", "port": unused_port(), "security": "none"}
    batch = [outbound("ana@example.com", pk=1), outbound("sam@example.com", pk=2)]
    outcomes = SMTP.send({**config, "from_address": "news@shop.example"}, batch)
    assert kinds(outcomes) == ["transient", "transient"]


def test_a_server_that_never_answers_times_out_as_transient() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # connections complete in the backlog; no greeting ever comes
        config = {
            "host": "127.0.0.1",
            "port": silent.getsockname()[1],
            "security": "none",
            "from_address": "news@shop.example",
            "timeout": 0.2,
        }
        [outcome] = SMTP.send(config, [outbound("ana@example.com")])
    assert isinstance(outcome, Failed)
    assert outcome.kind == "transient"
    assert "timed out" in outcome.detail


@pytest.mark.parametrize(
    ("config", "detail"),
    [
        ({"security": "ssl"}, "TLS failed"),  # the server speaks plain SMTP on that port
        ({"security": "starttls"}, "STARTTLS"),  # and does not offer STARTTLS
        ({"security": "tls"}, "security: 'tls' is not one of"),
        ({"host": ""}, "host: '' should be non-empty"),
        ({"from_address": "news"}, "from_address"),
    ],
)
def test_an_account_that_cannot_work_is_config(
    server: SmtpServer, config: dict[str, Any], detail: str
) -> None:
    outcomes = SMTP.send(server.config(**config), [outbound("a@example.com"), outbound("b@x.y")])
    assert kinds(outcomes) == ["config", "config"]
    assert isinstance(outcomes[0], Failed)
    assert detail in outcomes[0].detail
    assert server.received == []


@pytest.mark.parametrize(
    ("code", "text", "about_recipient", "kind"),
    [
        (550, "5.1.1 User unknown", True, "invalid_recipient"),
        (551, "User not local", True, "invalid_recipient"),
        (553, "5.1.3 Bad recipient address syntax", True, "invalid_recipient"),
        (550, "5.7.1 Sender rejected", False, "config"),
        (552, "5.2.2 Mailbox full", True, "recipient_capped"),
        (552, "5.3.4 Message too big", True, "content_rejected"),
        (552, "5.5.3 Too many recipients", True, "transient"),
        (554, "5.7.1 Rejected", True, "content_rejected"),
        (554, "No SMTP service here", False, "config"),
        (535, "5.7.8 Authentication credentials invalid", False, "auth"),
        (530, "5.7.0 Must issue a STARTTLS command first", False, "config"),
        (421, "4.3.2 Shutting down", True, "transient"),
        (450, "4.2.0 Greylisted", True, "transient"),
        (500, "5.5.2 Syntax error", False, "config"),
    ],
)
def test_reply_codes_map_to_kinds(code: int, text: str, about_recipient: bool, kind: str) -> None:
    assert kind_for_reply(code, text, about_recipient=about_recipient) == kind
