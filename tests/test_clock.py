"""The clock follows time-machine in-process and a shared offset file across processes."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import override_settings

from core import clock
from tests.support.system import django_process_env

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_now_is_aware_utc_and_follows_time_machine() -> None:
    moment = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        assert clock.now() == moment
    assert clock.now().tzinfo is not None


def test_offset_file_shifts_now_in_this_and_other_processes(tmp_path: Path) -> None:
    offset_file = tmp_path / "offset"
    with override_settings(TOUCHFLOW={"CLOCK_OFFSET_FILE": str(offset_file)}):
        moment = datetime(2026, 1, 1, tzinfo=UTC)
        with time_machine.travel(moment, tick=False):
            assert clock.now() == moment  # no file yet: no offset
            clock.set_offset(timedelta(days=30).total_seconds())
            assert clock.now() == moment + timedelta(days=30)
        other = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from core import clock;"
                "from django.utils import timezone;"
                "print(round((clock.now() - timezone.now()).total_seconds()))",
            ],
            cwd=REPO_ROOT,
            env=django_process_env(TOUCHFLOW_CLOCK_OFFSET_FILE=str(offset_file)),
            capture_output=True,
            text=True,
            check=True,
        )
        assert other.stdout.strip() == str(30 * 86400)
        clock.set_offset(0)
        assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 5


def test_a_pinned_clock_wins_until_unpinned() -> None:
    moment = datetime(2030, 5, 1, 12, tzinfo=UTC)
    try:
        clock.pin(moment)
        with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False):
            assert clock.now() == moment
    finally:
        clock.pin(None)
    assert clock.now() < moment


def test_pinning_needs_an_aware_moment() -> None:
    with pytest.raises(ValueError, match="timezone"):
        clock.pin(datetime(2030, 5, 1, 12))
