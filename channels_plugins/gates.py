"""Per-account dispatch controls shared by every worker: a token-bucket rate limit and a
circuit breaker, both kept in the account's `AccountGate` row.

Every change reads the row, computes the new state in Python and writes it with
`UPDATE … WHERE version = <read>`; a worker that lost the race reads again. That is one
conditional UPDATE, atomic on SQLite and PostgreSQL alike, and never holds a lock across a
provider call.

Rate limit: `take` grants up to `wanted` tokens. The bucket refills at `per_second` up to
`burst` (a new bucket starts full); messages without a token wait, each until the moment its
token will have flowed in.

Circuit breaker: `UNWELL_KINDS` are failures that say the provider or the account is unwell
rather than one message: `transient` (5xx, timeouts), `rate_limited` (the provider asks the
whole account to slow down) and `auth` (rejected credentials fail every message alike, so
holding the rest until an admin fixes them beats failing the whole queue). Per-message kinds
(`invalid_recipient`, `recipient_capped`, `content_rejected`) and `config` (often one
message's template code, or our own setup) prove the provider answered, so they reset the
count like a success. After `BREAKER_THRESHOLD` consecutive unwell outcomes the breaker opens
for a cooldown (`BREAKER_COOLDOWN`, doubling on each failed probe up to `BREAKER_COOLDOWN_CAP`);
then one worker wins the move to half-open and sends one probe message: sent (or any healthy
answer) closes the breaker, an unwell failure opens it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from channels_plugins.base import Failed, Outcome, RateLimit
from channels_plugins.models import AccountGate, BreakerState, ChannelAccount

logger = logging.getLogger(__name__)

UNWELL_KINDS = frozenset({"transient", "rate_limited", "auth"})
BREAKER_THRESHOLD = 5
BREAKER_COOLDOWN = timedelta(seconds=60)
BREAKER_COOLDOWN_CAP = timedelta(minutes=30)
PROBE_LEASE = timedelta(minutes=5)  # a probe not settled by then (its worker died) is retried
PROBE_RECHECK = timedelta(seconds=30)  # how long the others wait for a probe's answer
MAX_RACES = 20

T = TypeVar("T")


def _change(account_id: int, change: Callable[[AccountGate], T], fallback: T) -> T:
    """Apply `change` to the account's gate by compare-and-set on `version`, retrying races.

    `change` mutates the gate it is given and returns the caller's result; it must not have
    side effects beyond the gate, since a lost race runs it again on a fresh read.
    """
    for _ in range(MAX_RACES):
        gate, _ = AccountGate.objects.get_or_create(account_id=account_id)
        read = gate.version
        result = change(gate)
        fields = {
            name: getattr(gate, name)
            for name in (
                "tokens",
                "refilled_at",
                "breaker",
                "failures",
                "opened_at",
                "reopens_at",
                "cooldown",
            )
        }
        won = AccountGate.objects.filter(account_id=account_id, version=read).update(
            **fields, version=read + 1
        )
        if won:
            return result
    logger.warning("account %s: gate still contended after %s tries", account_id, MAX_RACES)
    return fallback


# --- Rate limit ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    granted: int  # how many of the wanted messages may go now
    waits: tuple[datetime, ...]  # for each of the others, in order, when its token is there


def take(account_id: int, limit: RateLimit, wanted: int, now: datetime) -> Grant:
    """Take up to `wanted` tokens from the account's bucket as of `now`."""

    def change(gate: AccountGate) -> Grant:
        available = float(limit.burst)
        if gate.refilled_at is not None:
            elapsed = max(0.0, (now - gate.refilled_at).total_seconds())
            available = min(float(limit.burst), gate.tokens + elapsed * limit.per_second)
        granted = min(wanted, int(available))
        left = available - granted
        gate.tokens, gate.refilled_at = left, max(now, gate.refilled_at or now)
        waits = tuple(
            now + timedelta(seconds=(i + 1 - left) / limit.per_second)
            for i in range(wanted - granted)
        )
        return Grant(granted, waits)

    retry = now + timedelta(seconds=1 / limit.per_second)
    return _change(account_id, change, Grant(0, (retry,) * wanted))


# --- Circuit breaker -----------------------------------------------------------------------


@dataclass(frozen=True)
class Admission:
    allowed: int | None  # None: every message; 1: a single half-open probe; 0: none
    hold_until: datetime | None = None  # for the messages not allowed
    counting: bool = True  # whether failures were being counted when the gate was read

    @property
    def probe(self) -> bool:
        return self.allowed == 1


OPEN_DOOR = Admission(None)


def admit(account_id: int, now: datetime) -> Admission:
    """What the breaker lets through for the account at `now`."""
    gate = AccountGate.objects.filter(account_id=account_id).first()
    if gate is None or gate.breaker == BreakerState.CLOSED:
        return Admission(None, counting=gate is not None and gate.failures > 0)
    reopens_at = gate.reopens_at or now
    if now < reopens_at:
        if gate.breaker == BreakerState.OPEN:
            return Admission(0, reopens_at)
        return Admission(0, min(reopens_at, now + PROBE_RECHECK))

    def to_half_open(gate: AccountGate) -> Admission:
        if gate.breaker == BreakerState.CLOSED:  # another worker's probe closed it meanwhile
            return OPEN_DOOR
        if gate.reopens_at is not None and now < gate.reopens_at:  # another worker probes
            return Admission(0, min(gate.reopens_at, now + PROBE_RECHECK))
        gate.breaker, gate.reopens_at = BreakerState.HALF_OPEN, now + PROBE_LEASE
        return Admission(1, now + PROBE_RECHECK)

    return _change(account_id, to_half_open, Admission(0, now + PROBE_RECHECK))


def unwell(outcome: Outcome) -> bool:
    return isinstance(outcome, Failed) and outcome.kind in UNWELL_KINDS


def record(
    account_id: int, outcomes: Sequence[Outcome], now: datetime, *, probe: bool, counting: bool
) -> bool:
    """Count what the provider answered, in order, and open or close the breaker.

    `counting` says whether failures were being counted when last seen (`Admission.counting`,
    then this function's previous answer): a healthy batch with nothing to reset writes nothing,
    which keeps the hot path free of gate writes. Returns whether failures are counted now.
    """
    healthy = not probe and not any(unwell(outcome) for outcome in outcomes)
    if not outcomes or (healthy and not counting):
        return counting

    def change(gate: AccountGate) -> bool:
        for outcome in outcomes:
            gate.failures = gate.failures + 1 if unwell(outcome) else 0
        if probe and gate.breaker == BreakerState.HALF_OPEN:
            if gate.failures:
                _open(gate, now, min(BREAKER_COOLDOWN_CAP, _cooldown(gate) * 2))
            else:
                gate.breaker, gate.reopens_at, gate.cooldown = BreakerState.CLOSED, None, 0.0
        elif gate.breaker == BreakerState.CLOSED and gate.failures >= BREAKER_THRESHOLD:
            _open(gate, now, BREAKER_COOLDOWN)
        return gate.failures > 0

    return _change(account_id, change, True)


def abandon_probe(account_id: int, until: datetime) -> None:
    """The probe could not go (the rate limit held it): open again until `until`, so the next
    probe need not wait for the probe lease to run out."""

    def change(gate: AccountGate) -> None:
        if gate.breaker == BreakerState.HALF_OPEN:
            gate.breaker, gate.reopens_at = BreakerState.OPEN, until

    _change(account_id, change, None)


def _cooldown(gate: AccountGate) -> timedelta:
    return timedelta(seconds=gate.cooldown) if gate.cooldown else BREAKER_COOLDOWN


def _open(gate: AccountGate, now: datetime, cooldown: timedelta) -> None:
    gate.breaker, gate.opened_at = BreakerState.OPEN, now
    gate.reopens_at, gate.cooldown = now + cooldown, cooldown.total_seconds()


def breaker_status(account: ChannelAccount) -> dict[str, Any]:
    """What the account API and admin show of the account's breaker (lists select the gate
    with the account, so a page costs no query per account)."""
    try:
        gate: AccountGate | None = account.gate
    except AccountGate.DoesNotExist:
        gate = None
    if gate is None:
        return {
            "state": BreakerState.CLOSED.value,
            "failures": 0,
            "opened_at": None,
            "reopens_at": None,
        }
    return {
        "state": gate.breaker,
        "failures": gate.failures,
        "opened_at": gate.opened_at,
        "reopens_at": gate.reopens_at if gate.breaker != BreakerState.CLOSED else None,
    }
