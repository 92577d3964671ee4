"""A dispatcher killed between the provider's acceptance and our record: the duplicate that
follows is detectable and counted (ARCHITECTURE.md §3), never silent.

Real processes on one SQLite file and a real HTTP receiver on loopback. The webhook channel
sends our idempotency key as `Idempotency-Key`, so the receiver shows both calls carry the same
key. The first dispatcher wraps `call_webhooks` (the provider step) to SIGKILL itself the
moment the HTTP call returned, before anything is written. Time then moves past the send lease
through the clock's shared offset file, which every process reads, never by sleeping.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from channels_plugins.dispatch import POSSIBLE_DUPLICATE, SEND_LEASE
from tests.support.http import recording_server
from tests.support.system import REPO_ROOT, django_process_env

pytestmark = pytest.mark.slow

SEED = """
import django, sys; django.setup()
from core import clock
from core.models import Contact, Workspace
from channels_plugins.models import Message
workspace = Workspace.objects.create(slug="crash", name="Crash", timezone="UTC")
contact = Contact.objects.create(
    workspace=workspace, external_id="ann", created_at=clock.now(), updated_at=clock.now()
)
Message.objects.create(
    workspace=workspace, contact=contact, channel="webhook", category="transactional",
    content={"url": sys.argv[1] + "/orders", "method": "POST", "headers": {}, "body": {"n": 1}},
    idempotency_key="crash-test-key-1", status="pending", created_at=clock.now(),
)
"""

# Dies right after the provider accepted: the HTTP call returned 200, nothing is recorded yet.
CRASH = """
import django, os, signal; django.setup()
from channels_plugins import dispatch
from core import clock
deliver = dispatch.call_webhooks
def accept_then_die(requests):
    outcomes = deliver(requests)
    assert outcomes and all(type(o).__name__ == "Sent" for o in outcomes), outcomes
    os.kill(os.getpid(), signal.SIGKILL)
dispatch.call_webhooks = accept_then_die
dispatch.dispatch_due(clock.now())
"""

DISPATCH = """
import dataclasses, django, json; django.setup()
from channels_plugins.dispatch import dispatch_due
from channels_plugins.models import Message
from core import clock
report = dispatch_due(clock.now())
[message] = Message.objects.values("status", "reason", "attempts", "idempotency_key")
print(json.dumps({"report": dataclasses.asdict(report), "message": message}))
"""


def _python(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _dispatch(env: dict[str, str]) -> dict[str, Any]:
    done = _python(DISPATCH, env)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_dispatcher_killed_after_the_provider_accepted_gives_a_counted_duplicate(
    tmp_path: Path,
) -> None:
    offset_file = tmp_path / "clock-offset"
    env = django_process_env(
        TOUCHFLOW_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'crash.sqlite3'}",
        TOUCHFLOW_CLOCK_OFFSET_FILE=str(offset_file),
        TOUCHFLOW_DELIVER_WEBHOOKS="true",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    with recording_server() as receiver:
        seeded = _python(SEED, env, receiver.url)
        assert seeded.returncode == 0, seeded.stderr[-3000:]

        crashed = _python(CRASH, env)
        assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-3000:]
        assert len(receiver.requests) == 1  # the receiver accepted it before the kill

        # Still under the dead dispatcher's lease: nobody may send it again yet.
        held = _dispatch(env)
        assert held["report"]["dispatched"] == 0
        assert (held["message"]["status"], held["message"]["attempts"]) == ("sending", 1)
        assert len(receiver.requests) == 1

        offset_file.write_text(repr(SEND_LEASE.total_seconds() + 60))
        reclaimed = _dispatch(env)

    assert reclaimed["report"]["dispatched"] == 1
    assert reclaimed["report"]["sent"] == 1
    assert reclaimed["report"]["possible_duplicates"] == 1
    assert reclaimed["message"]["status"] == "sent"
    assert reclaimed["message"]["reason"] == POSSIBLE_DUPLICATE
    assert reclaimed["message"]["attempts"] == 2
    keys = [request.headers["Idempotency-Key"] for request in receiver.requests]
    assert keys == ["crash-test-key-1", "crash-test-key-1"]
