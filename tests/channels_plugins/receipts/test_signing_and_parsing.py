"""The signed receipt format: what passes verification, what is refused and why, and how
sandbox receipts and smtp bounce reports are read (every fault located by a JSON pointer)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from channels_plugins.base import (
    RECEIPT_EVENTS,
    Provider,
    Receipt,
    ReceiptMalformed,
    ReceiptRejected,
    ReceiptRequest,
)
from channels_plugins.builtin.sandbox import SANDBOX
from channels_plugins.builtin.smtp import SMTP
from channels_plugins.engagement import MESSAGE_EVENTS
from channels_plugins.signed_receipts import SIGNATURE_HEADER, signed_headers, verify

NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)
SECRET = "s3cret-s3cret-s3cret"
CONFIG = {"receipt_secret": SECRET}


def request(
    body: Any, *, signed_at: datetime = NOW, secret: str = SECRET, at: datetime = NOW
) -> ReceiptRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {k.lower(): v for k, v in signed_headers(secret, raw, signed_at).items()}
    return ReceiptRequest(body=raw, headers=headers, received_at=at)


def rejected(config: dict[str, Any], incoming: ReceiptRequest) -> tuple[str, int]:
    with pytest.raises(ReceiptRejected) as caught:
        verify(config, incoming)
    return caught.value.code, caught.value.status


def test_a_request_signed_with_the_secret_within_five_minutes_passes() -> None:
    verify(CONFIG, request({"receipts": []}))
    verify(CONFIG, request({"receipts": []}, signed_at=NOW - timedelta(minutes=5)))
    verify(CONFIG, request({"receipts": []}, signed_at=NOW + timedelta(minutes=5)))


@pytest.mark.parametrize(
    ("signed_at", "code"),
    [
        (NOW - timedelta(minutes=5, seconds=1), "timestamp_stale"),
        (NOW + timedelta(minutes=6), "timestamp_stale"),
        (NOW, None),
    ],
)
def test_staleness_is_judged_on_our_clock(signed_at: datetime, code: str | None) -> None:
    incoming = request({"receipts": []}, signed_at=signed_at)
    if code is None:
        verify(CONFIG, incoming)
    else:
        assert rejected(CONFIG, incoming) == (code, 401)


def test_a_wrong_secret_or_an_edited_body_is_refused() -> None:
    assert rejected(CONFIG, request({"receipts": []}, secret="other-secret-value")) == (
        "signature_invalid",
        401,
    )
    good = request({"receipts": []})
    edited = ReceiptRequest(b'{"receipts": [1]}', good.headers, good.received_at)
    assert rejected(CONFIG, edited) == ("signature_invalid", 401)


def test_missing_headers_a_bad_timestamp_and_a_missing_secret_are_told_apart() -> None:
    good = request({"receipts": []})
    unsigned = ReceiptRequest(good.body, {}, NOW)
    assert rejected(CONFIG, unsigned) == ("signature_missing", 401)
    odd_time = ReceiptRequest(good.body, {**good.headers, "x-touchflow-timestamp": "soon"}, NOW)
    assert rejected(CONFIG, odd_time) == ("timestamp_invalid", 401)
    assert rejected({}, good) == ("receipt_secret_missing", 403)


def test_a_sender_rotating_its_secret_may_sign_with_both() -> None:
    old = request({"receipts": []}, secret="old-secret-old-secret")
    new = request({"receipts": []})
    both = f"{old.headers[SIGNATURE_HEADER.lower()]}, {new.headers[SIGNATURE_HEADER.lower()]}"
    verify(CONFIG, ReceiptRequest(new.body, {**new.headers, "x-touchflow-signature": both}, NOW))


def test_receipt_events_are_the_message_events() -> None:
    assert RECEIPT_EVENTS == MESSAGE_EVENTS


def test_only_providers_with_both_methods_accept_receipts() -> None:
    bare = Provider(name="bare", title="Bare", channels=("sms",), config_schema={})
    assert not bare.accepts_receipts
    assert SANDBOX.accepts_receipts
    assert SMTP.accepts_receipts
    with pytest.raises(NotImplementedError):
        bare.parse_receipts({}, request({}))


def test_the_sandbox_reads_its_receipts() -> None:
    body = {
        "receipts": [
            {"id": "r1", "event": "message.delivered", "provider_message_id": "sandbox-7"},
            {
                "id": "r2",
                "event": "message.opened",
                "provider_message_id": "sandbox-7",
                "occurred_at": "2026-11-02T03:59:00Z",
                "detail": {"device": "phone"},
            },
        ]
    }
    assert SANDBOX.parse_receipts(CONFIG, request(body)) == [
        Receipt(id="r1", event="message.delivered", provider_message_id="sandbox-7"),
        Receipt(
            id="r2",
            event="message.opened",
            provider_message_id="sandbox-7",
            occurred_at=datetime(2026, 11, 2, 3, 59, tzinfo=UTC),
            detail={"device": "phone"},
        ),
    ]


def problems(provider: Provider, body: Any) -> list[dict[str, str]]:
    with pytest.raises(ReceiptMalformed) as caught:
        provider.parse_receipts(CONFIG, request(body))
    return [problem.as_dict() for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("body", "located"),
    [
        (b"{not json", [("", "invalid_json")]),
        (b"\xff\xfe", [("", "invalid_json")]),
        ([], [("", "not_an_object")]),
        ({}, [("/receipts", "required")]),
        ({"receipts": {}}, [("/receipts", "not_a_list")]),
        ({"receipts": [{"id": "r"} for _ in range(1001)]}, [("/receipts", "too_many")]),
        ({"receipts": ["x"]}, [("/receipts/0", "not_an_object")]),
        (
            {"receipts": [{"event": "message.read", "provider_message_id": 5, "detail": []}]},
            [
                ("/receipts/0/id", "required"),
                ("/receipts/0/event", "unknown_event"),
                ("/receipts/0/provider_message_id", "invalid"),
                ("/receipts/0/detail", "not_an_object"),
            ],
        ),
        (
            {
                "receipts": [
                    {"id": "a" * 151, "event": "message.opened", "provider_message_id": "p"},
                    {
                        "id": "b",
                        "event": "message.opened",
                        "provider_message_id": "p",
                        "occurred_at": "2026-11-02T03:59:00",
                    },
                ]
            },
            [("/receipts/0/id", "invalid"), ("/receipts/1/occurred_at", "invalid_datetime")],
        ),
    ],
)
def test_a_bad_sandbox_body_is_answered_with_located_problems(
    body: Any, located: list[tuple[str, str]]
) -> None:
    assert [(p["path"], p["code"]) for p in problems(SANDBOX, body)] == located


def test_smtp_reads_hard_and_soft_bounces_by_any_message_reference() -> None:
    body = {
        "bounces": [
            {
                "id": "b1",
                "provider_message_id": "<abc.touchflow@shop.example>",
                "kind": "hard",
                "recipient": "gone@example.com",
                "smtp_code": 550,
                "diagnostic": "5.1.1 No such user",
            },
            {"id": "b2", "message_id": "42", "kind": "soft"},
            {"id": "b3", "idempotency_key": "e1:mail:0", "kind": "soft", "smtp_code": 452},
        ]
    }
    hard, by_id, by_key = SMTP.parse_receipts(CONFIG, request(body))
    assert hard == Receipt(
        id="b1",
        event="message.bounced",
        provider_message_id="<abc.touchflow@shop.example>",
        detail={"bounce_kind": "hard", "smtp_code": 550, "diagnostic": "5.1.1 No such user"},
        address_unusable=True,
        recipient="gone@example.com",
    )
    assert (by_id.message_id, by_id.address_unusable) == (42, False)
    assert (by_key.idempotency_key, by_key.detail) == (
        "e1:mail:0",
        {"bounce_kind": "soft", "smtp_code": 452},
    )


def test_a_bad_bounce_report_is_answered_with_located_problems() -> None:
    body = {
        "bounces": [
            {"id": "b1", "kind": "permanent", "smtp_code": 250},
            {"id": "b2", "message_id": "x1", "provider_message_id": "<p>", "kind": "hard"},
        ]
    }
    assert [(p["path"], p["code"]) for p in problems(SMTP, body)] == [
        ("/bounces/0", "message_ref"),
        ("/bounces/0/kind", "invalid"),
        ("/bounces/0/smtp_code", "invalid"),
        ("/bounces/1", "message_ref"),
        ("/bounces/1/message_id", "invalid"),
    ]
