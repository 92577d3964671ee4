"""One synchronous round of everything due at a moment: time triggers, the walker, dispatch.

`touchflow_tick` and tests use it to run journey time on demand; the django-q2 pump runs the
same pieces as tasks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from channels_plugins.dispatch import dispatch_due
from journeys.engine.schedule import run_schedules
from journeys.engine.segment_entry import sweep
from journeys.engine.walker import run_due


def run_time_triggers(now: datetime) -> int:
    """Enroll whoever time alone brings in at `now`: schedules, then segment rechecks."""
    return run_schedules(now) + sweep(now)


@dataclass
class TickReport:
    at: str
    enrolled: int = 0  # by time-based triggers: schedules and segments entered as time passed
    advanced: int = 0
    messages_created: int = 0
    dispatched: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def tick(now: datetime) -> TickReport:
    """Walk and dispatch until nothing more is due at `now`."""
    report = TickReport(at=now.isoformat())
    report.enrolled = run_time_triggers(now)
    while True:
        walked = run_due(now)
        sent = dispatch_due(now)
        report.advanced += walked.advanced
        report.messages_created += walked.messages_created
        report.dispatched += sent.dispatched
        report.sent += sent.sent
        report.failed += sent.failed
        report.skipped += sent.skipped
        if not walked.advanced and not sent.dispatched:
            return report
