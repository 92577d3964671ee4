"""Claiming due enrollments under a lease, so that each step runs in one worker at a time.

A claim sets `lease_until` and a fresh `lease_token` on up to `limit` due enrollments in one
statement and returns them. Two workers claiming at once never get the same enrollment:

- PostgreSQL: the due rows are selected `FOR UPDATE SKIP LOCKED` in a CTE and updated in the
  same statement, so a concurrent claimer skips rows another holds instead of waiting for them.
- SQLite: the transaction starts with `BEGIN IMMEDIATE` (settings: `transaction_mode`), which
  takes the write lock up front, and one `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING`
  claims the batch; a second claimer waits on the busy timeout, then sees the new leases.

A worker that dies keeps its lease until it expires; the next claim takes the work over. The
token is a fencing token: write-backs are conditioned on it, so a worker whose lease expired
cannot overwrite the work of the one that took over.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction

from journeys.models import LIVE_STATUSES, Enrollment

DEFAULT_LEASE = timedelta(minutes=5)

_POSTGRES = """
WITH due AS (
    SELECT id FROM journeys_enrollment
    WHERE status IN (%s, %s) AND wake_at IS NOT NULL AND wake_at <= %s
      AND (lease_until IS NULL OR lease_until <= %s)
    ORDER BY wake_at
    LIMIT %s
    FOR UPDATE SKIP LOCKED
)
UPDATE journeys_enrollment AS e
SET lease_until = %s, lease_token = %s
FROM due WHERE e.id = due.id
RETURNING e.id
"""

_SQLITE = """
UPDATE journeys_enrollment
SET lease_until = %s, lease_token = %s
WHERE id IN (
    SELECT id FROM journeys_enrollment
    WHERE status IN (%s, %s) AND wake_at IS NOT NULL AND wake_at <= %s
      AND (lease_until IS NULL OR lease_until <= %s)
    ORDER BY wake_at
    LIMIT %s
)
RETURNING id
"""


@dataclass(frozen=True)
class Claim:
    token: str
    lease_until: datetime
    ids: list[int]


def claim_due(now: datetime, *, limit: int, lease: timedelta = DEFAULT_LEASE) -> Claim:
    """Lease up to `limit` enrollments due at `now`, earliest first."""
    token = secrets.token_hex(16)
    lease_until = now + lease
    due_params: list[str | datetime] = [*(str(s) for s in LIVE_STATUSES), now, now]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRES, [*due_params, limit, lease_until, token])
        else:
            cursor.execute(_SQLITE, [lease_until, token, *due_params, limit])
        ids = sorted(row[0] for row in cursor.fetchall())
    return Claim(token=token, lease_until=lease_until, ids=ids)


def release(claim: Claim, ids: list[int] | None = None) -> int:
    """Give back leases still held under this claim's token (all, or `ids`)."""
    queryset = Enrollment.objects.filter(lease_token=claim.token)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(lease_until=None, lease_token="")
