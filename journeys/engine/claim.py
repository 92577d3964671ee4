"""Claiming due enrollments under a lease, so that each step runs in one worker at a time.

A claim sets `lease_until` and a fresh `lease_token` on up to `limit` due enrollments in one
statement (`core.leases`) and returns them; two workers claiming at once never get the same
enrollment.

A worker that dies keeps its lease until it expires; the next claim takes the work over. The
token is a fencing token: write-backs are conditioned on it, so a worker whose lease expired
cannot overwrite the work of the one that took over.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.leases import ClaimQuery, claim_rows
from journeys.models import LIVE_STATUSES, Enrollment, JourneyStatus

DEFAULT_LEASE = timedelta(minutes=5)
DUE_ENROLLMENTS = ClaimQuery(
    table="journeys_enrollment",
    # Enrollments of a paused journey are held where they are: not claimed until it resumes.
    due=(
        "status IN (%s, %s) AND wake_at IS NOT NULL AND wake_at <= %s"
        " AND (lease_until IS NULL OR lease_until <= %s)"
        " AND journey_id IN (SELECT id FROM journeys_journey WHERE status = %s)"
    ),
    order_by="wake_at",
    assign="lease_until = %s, lease_token = %s",
)


@dataclass(frozen=True)
class Claim:
    token: str
    lease_until: datetime
    ids: list[int]


def claim_due(now: datetime, *, limit: int, lease: timedelta = DEFAULT_LEASE) -> Claim:
    """Lease up to `limit` enrollments due at `now`, earliest first."""
    token = secrets.token_hex(16)
    lease_until = now + lease
    ids = claim_rows(
        DUE_ENROLLMENTS,
        due_params=[
            *(str(status) for status in LIVE_STATUSES),
            now,
            now,
            str(JourneyStatus.ACTIVE),
        ],
        assign_params=[lease_until, token],
        limit=limit,
    )
    return Claim(token=token, lease_until=lease_until, ids=ids)


def release(claim: Claim, ids: list[int] | None = None) -> int:
    """Give back leases still held under this claim's token (all, or `ids`)."""
    queryset = Enrollment.objects.filter(lease_token=claim.token)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(lease_until=None, lease_token="")
