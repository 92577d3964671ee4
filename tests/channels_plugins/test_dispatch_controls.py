"""Dispatch controls per account: rate limit, circuit breaker, legal sending hours, batches.

A scripted provider answers from a queue and records each `send` call; time moves only through
the `now` dispatch is given (the injected clock), never by sleeping. A hold is not a drop: the
message stays `pending` with `next_attempt_at` and a `held: …` reason, and spends no attempt.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from channels_plugins import gates
from channels_plugins.base import Failed, OutboundMessage, Outcome, Provider, RateLimit, Sent
from channels_plugins.dispatch import dispatch_due
from channels_plugins.hookspecs import hookimpl
from channels_plugins.models import AccountGate, ChannelAccount, Message, MessageStatus
from channels_plugins.services import AccountInvalid, create_account
from channels_plugins.testing import registered_plugin
from core.clock import now as clock_now
from core.models import Contact, Workspace
from core.services.contacts import upsert_contact

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)  # noon in Shanghai, 05:00 in Berlin
CALLS: list[list[str]] = []  # the `to` of each message, per send call
SCRIPT: deque[Outcome] = deque()  # answers to give, in order; Sent once it runs dry


class ScriptedProvider(Provider):
    def send(self, config: Mapping[str, Any], messages: Sequence[OutboundMessage]) -> list[Outcome]:
        assert "rate_limit" not in config  # the generic key is dispatch's, not the provider's
        CALLS.append([message.to for message in messages])
        return [SCRIPT.popleft() if SCRIPT else Sent(f"s-{m.id}") for m in messages]


SCRIPTED = ScriptedProvider(
    name="scripted",
    title="Scripted",
    channels=("push", "sms"),
    config_schema={"type": "object", "additionalProperties": False, "properties": {}},
    max_batch_size=3,
    default_rate_limit=RateLimit(per_second=1000, burst=1000),
)


class ScriptedPlugin:
    @hookimpl
    def touchflow_register_providers(self, register: Callable[[Provider], None]) -> None:
        register(SCRIPTED)


@pytest.fixture(autouse=True)
def scripted() -> Iterator[None]:
    CALLS.clear()
    SCRIPT.clear()
    with registered_plugin(ScriptedPlugin(), name="scripted"):
        yield


@pytest.fixture
def workspace() -> Workspace:
    return Workspace.objects.create(slug="shop", name="Shop", timezone="Asia/Shanghai")


def account(workspace: Workspace, provider: str = "scripted", **config: Any) -> ChannelAccount:
    return create_account(
        workspace, name=f"push-{provider}", channel="push", provider=provider, config=config
    )


def messages(
    workspace: Workspace,
    via: ChannelAccount,
    n: int,
    *,
    channel: str = "push",
    category: str = "marketing",
    contact: Contact | None = None,
) -> list[Message]:
    made = []
    for i in range(n):
        key = f"{via.pk}-{channel}-{Message.objects.count()}"
        person = (
            contact
            or upsert_contact(
                workspace,
                {
                    "external_id": key,
                    "push_tokens": [{"provider": via.provider, "token": f"t{key}"}],
                },
            )[0]
        )
        made.append(
            Message.objects.create(
                workspace=workspace,
                contact=person,
                channel=channel,
                account=via,
                category=category,
                content={"title": "t", "body": str(i)},
                idempotency_key=key,
                created_at=NOW,
            )
        )
    return made


def states() -> list[tuple[str, str, int]]:
    return list(Message.objects.order_by("id").values_list("status", "reason", "attempts"))


# --- Rate limit ----------------------------------------------------------------------------


def test_messages_beyond_the_budget_are_held_and_released_as_the_bucket_refills(
    workspace: Workspace,
) -> None:
    via = account(workspace, rate_limit={"per_second": 2, "burst": 3})
    messages(workspace, via, 5)
    report = dispatch_due(NOW)
    assert (report.sent, report.held, report.failed) == (3, 2, 0)
    held = Message.objects.filter(status=MessageStatus.PENDING).order_by("id")
    assert [(m.reason, m.attempts) for m in held] == [("held: rate_limit", 0)] * 2
    # Each waits for its own token: 2 per second means one every half second.
    assert [m.next_attempt_at for m in held] == [
        NOW + timedelta(seconds=0.5),
        NOW + timedelta(seconds=1),
    ]
    assert dispatch_due(NOW).dispatched == 0  # not due yet: a hold is not a busy loop
    assert dispatch_due(NOW + timedelta(seconds=0.5)).sent == 1
    assert dispatch_due(NOW + timedelta(seconds=1)).sent == 1
    assert [status for status, _, _ in states()] == ["sent"] * 5
    assert {attempts for _, _, attempts in states()} == {1}  # holds spent no attempt
    assert {reason for _, reason, _ in states()} == {""}


def test_two_workers_share_one_bucket(workspace: Workspace) -> None:
    via = account(workspace, rate_limit={"per_second": 1, "burst": 4})
    messages(workspace, via, 3)
    first = dispatch_due(NOW)
    messages(workspace, via, 3)
    second = dispatch_due(NOW)  # another worker, same moment: only 1 token is left
    assert (first.sent, second.sent, second.held) == (3, 1, 2)
    assert AccountGate.objects.get(account=via).tokens == 0


def test_a_worker_that_loses_the_race_takes_from_what_the_winner_left(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    via = account(workspace)
    limit = RateLimit(per_second=1, burst=5)
    compare_and_set = gates._change
    raced: list[int | None] = []

    def with_a_rival(account_id: int, change: Callable[[AccountGate], Any], fallback: Any) -> Any:
        def then_rival_writes(gate: AccountGate) -> Any:
            result = change(gate)
            if not raced:  # between this worker's read and its write, a rival takes 4
                raced.append(compare_and_set(account_id, rival, None))
            return result

        return compare_and_set(account_id, then_rival_writes, fallback)

    def rival(gate: AccountGate) -> int:
        gate.tokens, gate.refilled_at = 1.0, NOW  # a full bucket (5) less the rival's 4
        return 4

    monkeypatch.setattr(gates, "_change", with_a_rival)
    grant = gates.take(via.pk, limit, 3, NOW)
    assert raced == [4]
    assert grant.granted == 1  # its first read saw 5 tokens; the write that counted saw 1
    assert AccountGate.objects.get(account=via).tokens == 0


def test_a_provider_default_applies_without_config_and_the_sandbox_has_none(
    workspace: Workspace,
) -> None:
    sandbox = account(workspace, provider="sandbox")
    messages(workspace, sandbox, 250)
    assert dispatch_due(NOW).sent == 250
    assert not AccountGate.objects.filter(account=sandbox).exists()
    assert SCRIPTED.rate_limit({}) == RateLimit(1000, 1000)
    assert SCRIPTED.rate_limit({"rate_limit": {"per_second": 5}}) == RateLimit(5, 5)


def test_a_bad_rate_limit_is_a_located_config_error(workspace: Workspace) -> None:
    with pytest.raises(AccountInvalid) as caught:
        account(workspace, rate_limit={"per_second": 0})
    assert [(e.field, e.path) for e in caught.value.errors] == [
        ("config", "/rate_limit/per_second")
    ]


# --- Circuit breaker -----------------------------------------------------------------------


def test_the_breaker_opens_after_consecutive_failures_and_holds_the_rest(
    workspace: Workspace,
) -> None:
    via = account(workspace)
    messages(workspace, via, gates.BREAKER_THRESHOLD + 4)
    SCRIPT.extend([Failed("transient", "503")] * gates.BREAKER_THRESHOLD)
    report = dispatch_due(NOW, limit=gates.BREAKER_THRESHOLD, max_batches=1)
    assert report.retried == gates.BREAKER_THRESHOLD
    gate = AccountGate.objects.get(account=via)
    assert (gate.breaker, gate.failures, gate.opened_at) == ("open", 5, NOW)
    assert gate.reopens_at == NOW + gates.BREAKER_COOLDOWN
    calls = len(CALLS)
    report = dispatch_due(NOW)
    assert (report.held, len(CALLS)) == (4, calls)  # nothing reached the provider
    held = Message.objects.filter(reason="held: circuit_open")
    assert {(m.attempts, m.next_attempt_at) for m in held} == {(0, gate.reopens_at)}


def test_a_half_open_probe_that_succeeds_closes_the_breaker(workspace: Workspace) -> None:
    via = account(workspace)
    messages(workspace, via, 3)
    AccountGate.objects.create(
        account=via, breaker="open", failures=5, opened_at=NOW, reopens_at=NOW, cooldown=60
    )
    report = dispatch_due(NOW)
    assert (report.sent, report.held) == (1, 2)  # one probe; the others wait for its answer
    gate = AccountGate.objects.get(account=via)
    assert (gate.breaker, gate.failures) == ("closed", 0)
    later = NOW + gates.PROBE_RECHECK
    assert dispatch_due(later).sent == 2


def test_a_failed_probe_reopens_the_breaker_for_twice_as_long(workspace: Workspace) -> None:
    via = account(workspace)
    messages(workspace, via, 3)
    AccountGate.objects.create(
        account=via, breaker="open", failures=5, opened_at=NOW, reopens_at=NOW, cooldown=60
    )
    SCRIPT.append(Failed("auth", "token rejected"))
    report = dispatch_due(NOW)
    assert (report.failed, report.held, len(CALLS)) == (1, 2, 1)
    gate = AccountGate.objects.get(account=via)
    assert (gate.breaker, gate.cooldown) == ("open", 120)
    assert gate.reopens_at == NOW + timedelta(seconds=120)
    assert dispatch_due(NOW + gates.PROBE_RECHECK).held == 2  # still open: held again


def test_per_message_failures_do_not_open_the_breaker(workspace: Workspace) -> None:
    via = account(workspace)
    messages(workspace, via, 8)
    SCRIPT.extend([Failed("invalid_recipient", "bad token")] * 8)
    assert dispatch_due(NOW).failed == 8
    assert not AccountGate.objects.filter(account=via).exclude(breaker="closed").exists()


def test_only_consecutive_failures_count(workspace: Workspace) -> None:
    via = account(workspace)
    short = gates.BREAKER_THRESHOLD - 1
    messages(workspace, via, 2 * short + 1)
    SCRIPT.extend([Failed("transient")] * short + [Sent("ok")] + [Failed("transient")] * short)
    dispatch_due(NOW)
    gate = AccountGate.objects.get(account=via)
    assert (gate.breaker, gate.failures) == ("closed", short)


def test_a_probe_the_rate_limit_holds_gives_the_probe_back(workspace: Workspace) -> None:
    via = account(workspace, rate_limit={"per_second": 1, "burst": 1})
    messages(workspace, via, 2)
    AccountGate.objects.create(
        account=via,
        breaker="open",
        failures=5,
        opened_at=NOW,
        reopens_at=NOW,
        cooldown=60,
        tokens=0,
        refilled_at=NOW,
    )
    report = dispatch_due(NOW)
    assert (report.held, len(CALLS)) == (2, 0)
    gate = AccountGate.objects.get(account=via)
    token_time = NOW + timedelta(seconds=1)
    assert (gate.breaker, gate.reopens_at) == ("open", token_time)  # not a 5-minute probe lease
    assert dispatch_due(token_time).sent == 1  # the probe
    assert AccountGate.objects.get(account=via).breaker == "closed"


# --- Legal sending hours -------------------------------------------------------------------


def sms_account(workspace: Workspace) -> ChannelAccount:
    return create_account(workspace, name="sms", channel="sms", provider="scripted", config={})


def texted(workspace: Workspace, via: ChannelAccount, zone: str, category: str) -> Message:
    contact = upsert_contact(
        workspace,
        {"external_id": f"{zone}-{category}", "phone": "+8613800000000", "timezone": zone},
    )[0]
    return messages(workspace, via, 1, channel="sms", category=category, contact=contact)[0]


@pytest.mark.parametrize(
    ("at", "zone", "opens"),
    [
        # 22:30 in Shanghai: marketing SMS waits for 08:00 there (00:00 UTC).
        (datetime(2026, 11, 2, 14, 30, tzinfo=UTC), "Asia/Shanghai", datetime(2026, 11, 3, 0, 0)),
        # Berlin on 29 March 2026 (spring forward at 02:00): 07:30 local is 05:30 UTC, and
        # 08:00 CEST is 06:00 UTC, not the 07:00 UTC it was the day before.
        (datetime(2026, 3, 29, 5, 30, tzinfo=UTC), "Europe/Berlin", datetime(2026, 3, 29, 6, 0)),
        # Berlin on 25 October 2026 (fall back at 03:00): 21:30 CET is 20:30 UTC and 08:00
        # CET the next morning is 07:00 UTC.
        (datetime(2026, 10, 25, 20, 30, tzinfo=UTC), "Europe/Berlin", datetime(2026, 10, 26, 7, 0)),
    ],
)
def test_marketing_sms_is_held_until_legal_hours_open_in_the_contact_zone(
    workspace: Workspace, at: datetime, zone: str, opens: datetime
) -> None:
    via = sms_account(workspace)
    marketing = texted(workspace, via, zone, "marketing")
    receipt = texted(workspace, via, zone, "transactional")
    report = dispatch_due(at)
    assert (report.sent, report.held) == (1, 1)
    marketing.refresh_from_db()
    receipt.refresh_from_db()
    assert receipt.status == "sent"  # transactional messages keep any hour
    assert (marketing.status, marketing.reason, marketing.attempts) == (
        "pending",
        "held: legal_hours",
        0,
    )
    assert marketing.next_attempt_at == opens.replace(tzinfo=UTC)
    assert dispatch_due(opens.replace(tzinfo=UTC)).sent == 1


def test_legal_hours_fall_back_to_the_workspace_zone(workspace: Workspace) -> None:
    via = sms_account(workspace)
    message = texted(workspace, via, "", "marketing")  # no zone: the workspace's (Shanghai)
    dispatch_due(datetime(2026, 11, 2, 13, 30, tzinfo=UTC))  # 21:30 in Shanghai
    message.refresh_from_db()
    assert message.next_attempt_at == datetime(2026, 11, 3, 0, 0, tzinfo=UTC)


def test_push_has_no_legal_hours(workspace: Workspace) -> None:
    via = account(workspace)
    messages(workspace, via, 1)
    assert dispatch_due(datetime(2026, 11, 2, 18, 0, tzinfo=UTC)).sent == 1  # 02:00 there


# --- Batches -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3, 7])
def test_n_messages_make_ceil_n_over_size_send_calls(workspace: Workspace, n: int) -> None:
    via = account(workspace)
    messages(workspace, via, n)
    report = dispatch_due(NOW)
    assert report.sent == n
    assert len(CALLS) == math.ceil(n / SCRIPTED.max_batch_size)
    assert [len(call) for call in CALLS][:-1] == [SCRIPTED.max_batch_size] * (len(CALLS) - 1)
    assert set(Message.objects.values_list("provider_message_id", flat=True)) == {
        f"s-{pk}" for pk in Message.objects.values_list("pk", flat=True)
    }


def test_one_failure_in_a_batch_is_recorded_for_its_message_only(workspace: Workspace) -> None:
    via = account(workspace)
    messages(workspace, via, 3)
    SCRIPT.extend([Sent("a"), Failed("invalid_recipient", "gone"), Sent("c")])
    dispatch_due(NOW)
    assert [status for status, _, _ in states()] == ["sent", "failed", "sent"]
    assert len(CALLS) == 1


def test_a_provider_with_a_bad_batch_size_is_a_registration_problem() -> None:
    class Broken:
        @hookimpl
        def touchflow_register_providers(self, register: Callable[[Provider], None]) -> None:
            register(
                Provider(
                    name="broken", title="B", channels=("sms",), config_schema={}, max_batch_size=0
                )
            )

    with registered_plugin(Broken(), name="broken") as registry:
        assert registry.provider("sms", "broken") is None
        assert any("max_batch_size" in problem.message for problem in registry.problems)


def test_controls_follow_the_injected_clock(workspace: Workspace) -> None:
    via = account(workspace, rate_limit={"per_second": 1, "burst": 1})
    messages(workspace, via, 2)
    with time_machine.travel(NOW, tick=False) as traveller:
        assert dispatch_due(clock_now()).held == 1
        traveller.shift(timedelta(seconds=1))
        assert dispatch_due(clock_now()).sent == 1
