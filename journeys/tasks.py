"""django-q2 tasks. State lives in our tables; these only pump (ARCHITECTURE.md §2).

A `Schedule` (migration 0004) runs `pump` every minute. `pump` advances and dispatches a
bounded amount of work and enqueues itself again while work remains, so a busy system is not
paced by the schedule. Ingestion that enrolls or wakes contacts asks for a pump when its
transaction commits, so reactive paths do not wait for the schedule. A lost task costs
latency, never correctness: leases expire and the next pump takes the work over.
"""

from __future__ import annotations

from django.db import connection, transaction
from django_q.tasks import async_task

from channels_plugins.dispatch import dispatch_due
from core import clock
from journeys.engine.tick import run_time_triggers
from journeys.engine.walker import run_due

PUMP = "journeys.tasks.pump"
MAX_BATCHES_PER_PUMP = 20


def pump() -> dict[str, int | bool]:
    now = clock.now()
    enrolled = run_time_triggers(now)
    walked = run_due(now, max_batches=MAX_BATCHES_PER_PUMP)
    sent = dispatch_due(now, max_batches=MAX_BATCHES_PER_PUMP)
    more = not (walked.drained and sent.drained)
    if more:
        async_task(PUMP)
    return {
        "enrolled": enrolled,
        "advanced": walked.advanced,
        "dispatched": sent.dispatched,
        "more": more,
    }


def _enqueue_pump() -> None:
    async_task(PUMP)


def request_pump() -> None:
    """Enqueue one pump after the current transaction commits, however often it is asked.

    Django keeps the transaction's on-commit callbacks on the connection (and drops them on
    rollback), so looking there dedupes without state of our own that a rollback could strand.
    """
    if any(entry[1] is _enqueue_pump for entry in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_pump)
