"""The one source of "now" for Touchflow.

Every engine entry point also accepts `now`, so the simulator can run months in seconds.
Tests in one process move time with `time-machine` (which this follows, since it reads
`django.utils.timezone.now`). The simulator runs the engine in a process of its own and pins
that process's clock to its virtual time with `pin`, so ingestion, triggers and wakes, which
read `now()` rather than taking it, agree with the moment it passes to the walker. Tests that
span processes (a qcluster, a WSGI server) cannot patch another process, so an offset in
seconds can be written to the file named by the `CLOCK_OFFSET_FILE` setting; every process adds
it. The file is re-read only when it changes.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone

from core.conf import touchflow_settings

_cached: tuple[str, float, float] | None = None  # (path, mtime, offset seconds)
_pinned: datetime | None = None


def offset_seconds() -> float:
    global _cached
    path = touchflow_settings.CLOCK_OFFSET_FILE
    if not path:
        return 0.0
    try:
        mtime = os.stat(path).st_mtime
    except FileNotFoundError:
        return 0.0
    if _cached is not None and _cached[0] == path and _cached[1] == mtime:
        return _cached[2]
    text = Path(path).read_text().strip()
    offset = float(text) if text else 0.0
    _cached = (path, mtime, offset)
    return offset


def set_offset(seconds: float) -> None:
    """Write the shared offset; every process sees it on its next `now()`."""
    path = touchflow_settings.CLOCK_OFFSET_FILE
    if not path:
        raise RuntimeError("CLOCK_OFFSET_FILE is not configured")
    tmp = Path(f"{path}.tmp")
    tmp.write_text(repr(float(seconds)))
    os.replace(tmp, path)


def pin(at: datetime | None) -> None:
    """Make `now()` return `at` in this process until pinned elsewhere (None: real time again).

    For the simulator's own process only: it owns that process and moves its clock forward.
    """
    global _pinned
    if at is not None and at.tzinfo is None:
        raise ValueError("A pinned moment needs a timezone.")
    _pinned = at


def now() -> datetime:
    """The current time, timezone-aware in UTC, plus the shared offset if one is set."""
    if _pinned is not None:
        return _pinned
    current = timezone.now()
    offset = offset_seconds()
    return current + timedelta(seconds=offset) if offset else current
