"""The `fcm` provider against the FCM stand-in over real HTTP: the service-account JWT grant
(checked with the key's public half), token caching and refresh, FCM's v1 request and every
error code it answers, and what dispatch then does with the message and the address."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from channels_plugins import gates
from channels_plugins.base import Failed, OutboundMessage, Outcome, Sent
from channels_plugins.builtin.fcm import FCM, MESSAGE_ID_KEY, failure_for
from channels_plugins.builtin.fcm_auth import TOKENS
from channels_plugins.dispatch import dispatch_due
from channels_plugins.models import (
    AccountGate,
    ChannelAccount,
    Message,
    MessageStatus,
    UnusableAddress,
)
from channels_plugins.registry import reset_registry
from channels_plugins.services import create_account
from channels_plugins.standins.base import serving
from channels_plugins.standins.fcm import ERRORS, FcmStandin
from channels_plugins.testing import ProviderContract
from core import clock
from core.models import Contact, Workspace
from core.services.contacts import upsert_contact
from core.services.events import record_event


@pytest.fixture(autouse=True)
def fresh_state(settings: Any) -> Iterator[None]:
    """Built-in plugins only, and no access token carried over from another test."""
    settings.TOUCHFLOW = {**getattr(settings, "TOUCHFLOW", {}), "LOAD_ENTRY_POINTS": False}
    reset_registry()
    TOKENS.clear()
    yield
    TOKENS.clear()
    reset_registry()


@pytest.fixture
def fcm() -> Iterator[FcmStandin]:
    standin = FcmStandin()
    with serving(standin):
        yield standin


def outbound(to: str, pk: int = 1, **content: Any) -> OutboundMessage:
    return OutboundMessage(
        id=pk,
        to=to,
        content={"title": "Hi", "body": "Your order shipped", **content},
        idempotency_key=f"k{pk}",
    )


def kinds(outcomes: list[Outcome]) -> list[str]:
    return [o.kind if isinstance(o, Failed) else "sent" for o in outcomes]


# --- Delivery ------------------------------------------------------------------------------


def test_a_message_goes_out_as_an_fcm_v1_request(fcm: FcmStandin) -> None:
    config = {**fcm.account_config(), "android_channel_id": "orders", "ttl_seconds": 3600}
    message = outbound(
        "device-1",
        pk=42,
        data={"order": "A-7"},
        image="https://shop.example/a.png",
        click_action="shop://orders/A-7",
    )

    [outcome] = FCM.send(config, [message])

    assert isinstance(outcome, Sent)
    assert outcome.provider_message_id.startswith("projects/touchflow-demo/messages/0:")
    [request] = [r for r in fcm.requests if r.path.endswith("/messages:send")]
    assert request.path == "/v1/projects/touchflow-demo/messages:send"
    assert request.headers["authorization"].startswith("Bearer ya29.")
    assert request.json() == {
        "message": {
            "token": "device-1",
            "notification": {
                "title": "Hi",
                "body": "Your order shipped",
                "image": "https://shop.example/a.png",
            },
            "data": {"order": "A-7", MESSAGE_ID_KEY: "42"},
            "android": {
                "priority": "HIGH",
                "ttl": "3600s",
                "notification": {"channel_id": "orders", "click_action": "shop://orders/A-7"},
            },
            "apns": {
                "headers": {"apns-priority": "10"},
                "payload": {"aps": {"category": "shop://orders/A-7"}},
            },
        }
    }


def test_a_batch_shares_one_token_and_one_bad_token_fails_only_its_message(
    fcm: FcmStandin,
) -> None:
    fcm.errors["device-7"] = "UNREGISTERED"
    batch = [outbound(f"device-{i}", pk=i) for i in range(20)]

    outcomes = FCM.send(fcm.account_config(), batch)

    assert kinds(outcomes) == ["sent"] * 7 + ["invalid_recipient"] + ["sent"] * 12
    assert fcm.token_grants == 1
    assert len(fcm.delivered) == 19
    delivered = sorted(int(m["data"][MESSAGE_ID_KEY]) for m in fcm.delivered)
    assert delivered == [i for i in range(20) if i != 7]
    names = [o.provider_message_id for o in outcomes if isinstance(o, Sent)]
    assert len(set(names)) == 19
    assert FCM.max_batch_size == 500


def test_content_too_big_for_fcm_is_rejected_content_not_the_token(fcm: FcmStandin) -> None:
    [outcome] = FCM.send(fcm.account_config(), [outbound("device-1", body="x" * 5000)])
    assert isinstance(outcome, Failed)
    assert outcome.kind == "content_rejected"
    assert "INVALID_ARGUMENT 400" in outcome.detail


# --- Auth ----------------------------------------------------------------------------------


def test_a_jwt_signed_with_another_key_fails_auth_and_sends_nothing(fcm: FcmStandin) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    config = {**fcm.account_config(), "service_account_json": fcm.service_account_json(other)}

    outcomes = FCM.send(config, [outbound("device-1", 1), outbound("device-2", 2)])

    assert kinds(outcomes) == ["auth", "auth"]
    assert "Invalid JWT Signature." in outcomes[0].detail  # type: ignore[union-attr]
    assert fcm.token_grants == 1
    assert fcm.delivered == []


def test_an_account_the_token_endpoint_does_not_know_fails_auth(fcm: FcmStandin) -> None:
    info = json.loads(fcm.service_account_json())
    info["client_email"] = "someone-else@touchflow-demo.iam.gserviceaccount.com"
    config = {**fcm.account_config(), "service_account_json": json.dumps(info)}
    [outcome] = FCM.send(config, [outbound("device-1")])
    assert isinstance(outcome, Failed)
    assert (outcome.kind, "account not found" in outcome.detail) == ("auth", True)


def test_the_key_files_own_token_uri_is_used_when_the_account_sets_none(
    fcm: FcmStandin,
) -> None:
    config = fcm.account_config()
    del config["token_uri"]
    assert kinds(FCM.send(config, [outbound("device-1")])) == ["sent"]
    assert fcm.token_grants == 1


def test_the_token_is_cached_until_shortly_before_it_expires(fcm: FcmStandin) -> None:
    config = fcm.account_config()
    with time_machine.travel(clock.now(), tick=False) as traveller:
        FCM.send(config, [outbound("device-1")])
        traveller.shift(timedelta(minutes=54))
        FCM.send(config, [outbound("device-2")])
        assert fcm.token_grants == 1  # an hour's token is still good 54 minutes on
        traveller.shift(timedelta(minutes=2))
        assert kinds(FCM.send(config, [outbound("device-3")])) == ["sent"]
        assert fcm.token_grants == 2  # 5 minutes before expiry a new one is fetched
    tokens = {r.headers["authorization"] for r in fcm.requests if r.path != "/token"}
    assert len(tokens) == 2


def test_a_token_revoked_early_is_refreshed_once_and_the_message_retried(
    fcm: FcmStandin,
) -> None:
    config = fcm.account_config()
    FCM.send(config, [outbound("device-1")])
    fcm.revoke_tokens()

    outcomes = FCM.send(config, [outbound(f"device-{i}", i) for i in range(2, 8)])

    assert kinds(outcomes) == ["sent"] * 6
    assert fcm.token_grants == 2  # six messages saw the 401; one refresh served them all
    assert len(fcm.delivered) == 7


def test_a_token_refused_even_when_fresh_fails_auth_after_one_retry(fcm: FcmStandin) -> None:
    fcm.token_lifetime = 0  # every token the endpoint issues is already expired

    [outcome] = FCM.send(fcm.account_config(), [outbound("device-1")])

    assert isinstance(outcome, Failed)
    assert (outcome.kind, outcome.detail.startswith("UNAUTHENTICATED 401")) == ("auth", True)
    assert fcm.token_grants == 2
    assert len([r for r in fcm.requests if r.path.endswith(":send")]) == 2


# --- Error codes ---------------------------------------------------------------------------

EXPECTED_KINDS = {
    "UNREGISTERED": "invalid_recipient",
    "INVALID_ARGUMENT": "invalid_recipient",  # about the token (fieldViolations message.token)
    "SENDER_ID_MISMATCH": "auth",
    "QUOTA_EXCEEDED": "rate_limited",
    "UNAVAILABLE": "transient",
    "INTERNAL": "transient",
    "THIRD_PARTY_AUTH_ERROR": "auth",
    "UNSPECIFIED_ERROR": "transient",
}


def test_every_fcm_error_code_has_an_expected_kind() -> None:
    assert set(EXPECTED_KINDS) == set(ERRORS)


@pytest.mark.parametrize(("code", "kind"), sorted(EXPECTED_KINDS.items()))
def test_each_fcm_error_code_maps_to_its_kind(fcm: FcmStandin, code: str, kind: str) -> None:
    fcm.errors["device-1"] = code
    fcm.retry_after = "120"

    [outcome] = FCM.send(fcm.account_config(), [outbound("device-1")])

    assert isinstance(outcome, Failed)
    assert outcome.kind == kind
    assert outcome.detail.startswith(f"{code} {ERRORS[code][0]}")
    expects_retry_after = ERRORS[code][0] in (429, 503)
    assert outcome.retry_after == (120.0 if expects_retry_after else None)
    assert fcm.token_grants == 1  # THIRD_PARTY_AUTH_ERROR's 401 is APNs', not our token's


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (403, {"error": {"code": 403, "status": "PERMISSION_DENIED", "message": "denied"}}, "auth"),
        (404, {"error": {"code": 404, "status": "NOT_FOUND", "message": "no project"}}, "config"),
        (502, b"<html>Bad Gateway</html>", "transient"),
        (
            400,
            {"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "bad key"}},
            "content_rejected",
        ),
    ],
)
def test_answers_without_an_fcm_error_code_map_by_status(status: int, body: Any, kind: str) -> None:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = httpx.Response(status, content=content)
    assert failure_for(response).kind == kind


def test_a_project_the_credentials_cannot_send_for_fails_auth(fcm: FcmStandin) -> None:
    config = {**fcm.account_config(), "project_id": "someone-elses"}
    [outcome] = FCM.send(config, [outbound("device-1")])
    assert isinstance(outcome, Failed)
    assert (outcome.kind, "PERMISSION_DENIED 403" in outcome.detail) == ("auth", True)


def test_an_unreadable_key_file_fails_every_message_config() -> None:
    config = {"project_id": "p", "service_account_json": "{not json"}
    outcomes = FCM.send(config, [outbound("device-1", 1), outbound("device-2", 2)])
    assert kinds(outcomes) == ["config", "config"]
    assert "not JSON" in outcomes[0].detail  # type: ignore[union-attr]


def test_nobody_listening_is_transient(fcm: FcmStandin) -> None:
    config = fcm.account_config()
    FCM.send(config, [outbound("device-1")])  # a token is cached
    config["base_url"] = "http://127.0.0.1:9"  # discard port: refused
    assert kinds(FCM.send(config, [outbound("device-2")])) == ["transient"]


def test_an_unreachable_token_endpoint_is_transient(fcm: FcmStandin) -> None:
    config = {**fcm.account_config(), "token_uri": "http://127.0.0.1:9/token"}
    assert kinds(FCM.send(config, [outbound("device-1")])) == ["transient"]


# --- Through dispatch ----------------------------------------------------------------------


def account(workspace: Workspace, config: dict[str, Any]) -> ChannelAccount:
    return create_account(workspace, name="push-fcm", channel="push", provider="fcm", config=config)


def person(workspace: Workspace, external_id: str, token: str) -> Contact:
    tokens = [{"provider": "huawei", "token": "hms-x"}, {"provider": "fcm", "token": token}]
    return upsert_contact(workspace, {"external_id": external_id, "push_tokens": tokens})[0]


def queue(via: ChannelAccount, contact: Contact, key: str) -> Message:
    return Message.objects.create(
        workspace=via.workspace,
        contact=contact,
        channel="push",
        account=via,
        category="transactional",
        content={"title": "Hi", "body": "Shipped"},
        idempotency_key=key,
        created_at=clock.now(),
    )


def state(message: Message) -> tuple[str, str]:
    message.refresh_from_db()
    return message.status, message.reason.split(":")[0]


@pytest.mark.django_db
def test_dispatch_delivers_to_the_contacts_fcm_token(fcm: FcmStandin, workspace: Workspace) -> None:
    via = account(workspace, fcm.account_config())
    message = queue(via, person(workspace, "ann", "fcm-ann"), "k1")

    assert dispatch_due(clock.now()).sent == 1

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.provider_message_id.startswith("projects/touchflow-demo/messages/")
    [delivered] = fcm.delivered
    assert (delivered["token"], delivered["data"][MESSAGE_ID_KEY]) == ("fcm-ann", str(message.pk))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [
        ("QUOTA_EXCEEDED", MessageStatus.PENDING, "retrying after rate_limited"),
        ("UNAVAILABLE", MessageStatus.PENDING, "retrying after transient"),
        ("INTERNAL", MessageStatus.PENDING, "retrying after transient"),
        ("THIRD_PARTY_AUTH_ERROR", MessageStatus.FAILED, "auth"),
        ("SENDER_ID_MISMATCH", MessageStatus.FAILED, "auth"),
    ],
)
def test_dispatch_retries_or_fails_as_the_kind_says(
    fcm: FcmStandin, workspace: Workspace, code: str, status: str, reason: str
) -> None:
    fcm.errors["fcm-bo"] = code
    fcm.retry_after = "600"
    via = account(workspace, fcm.account_config())
    message = queue(via, person(workspace, "bo", "fcm-bo"), "k1")
    now = clock.now()

    dispatch_due(now)

    assert state(message) == (status, reason)
    assert not UnusableAddress.objects.exists()
    if status == MessageStatus.PENDING and code != "INTERNAL":
        assert message.next_attempt_at is not None
        assert message.next_attempt_at >= now + timedelta(seconds=600)  # Retry-After honoured


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["UNREGISTERED", "INVALID_ARGUMENT"])
def test_a_dead_token_is_marked_unusable_and_not_tried_again(
    fcm: FcmStandin, workspace: Workspace, code: str
) -> None:
    fcm.errors["fcm-cy"] = code
    via = account(workspace, fcm.account_config())
    cy = person(workspace, "cy", "fcm-cy")
    first = queue(via, cy, "k1")
    dispatch_due(clock.now())
    assert state(first) == (MessageStatus.FAILED, "invalid_recipient")
    [row] = UnusableAddress.objects.all()
    assert (row.channel, row.address) == ("push", "fcm-cy")

    second = queue(via, cy, "k2")
    dispatch_due(clock.now())
    assert state(second) == (MessageStatus.SKIPPED, "invalid_recipient")
    assert len([r for r in fcm.requests if r.path.endswith(":send")]) == 1


@pytest.mark.django_db
def test_failing_auth_opens_the_breaker_and_holds_the_rest(
    fcm: FcmStandin, workspace: Workspace
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    via = account(
        workspace, {**fcm.account_config(), "service_account_json": fcm.service_account_json(other)}
    )
    messages = [
        queue(via, person(workspace, f"p{i}", f"fcm-{i}"), f"k{i}")
        for i in range(gates.BREAKER_THRESHOLD + 2)
    ]
    now = clock.now()
    report = dispatch_due(now, limit=gates.BREAKER_THRESHOLD, max_batches=1)
    assert report.failed == gates.BREAKER_THRESHOLD
    assert AccountGate.objects.get(account=via).breaker == "open"

    assert dispatch_due(now).held == 2
    assert {state(m) for m in messages[-2:]} == {(MessageStatus.PENDING, "held")}


# --- Receipts ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_fcm_takes_no_receipts_and_an_app_reported_open_moves_the_message(
    fcm: FcmStandin, workspace: Workspace, client: Client
) -> None:
    via = account(workspace, fcm.account_config())
    dee = person(workspace, "dee", "fcm-dee")
    message = queue(via, dee, "k1")
    dispatch_due(clock.now())

    refused = client.post(
        f"/hooks/{via.pk}/{via.hook_token}/", data=b"{}", content_type="application/json"
    )
    assert (FCM.accepts_receipts, refused.status_code) == (False, 405)

    # The app read touchflow_message_id from the push's data and reports the open.
    [delivered] = fcm.delivered
    opened = {"message_id": int(delivered["data"][MESSAGE_ID_KEY])}
    record_event(workspace, dee, name="message.opened", properties=opened)
    message.refresh_from_db()
    assert message.status == MessageStatus.OPENED


# --- Contract ------------------------------------------------------------------------------


class TestFcmContract(ProviderContract):
    provider = FCM
    example_config = {
        "project_id": "my-project",
        "service_account_json": '{"client_email": "a@b", "private_key": "..."}',
        "base_url": "https://fcm.googleapis.com",
        "token_uri": "https://oauth2.googleapis.com/token",
        "android_priority": "NORMAL",
        "concurrency": 4,
    }

    def test_the_key_file_is_a_secret(self) -> None:
        assert self.provider.secret_paths() == (("service_account_json",),)
