"""End to end with real processes: a web server and a qcluster on one SQLite file.

An event posted over HTTP enrolls a contact; the pump the ingestion asked for runs in the
cluster and the message is sent through the sandbox, observed over HTTP within seconds.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.system import django_process_env, shared_examples_dir

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Api:
    def __init__(self, base: str, key: str) -> None:
        self.base, self.key = base, key

    def call(self, method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 - loopback URL built by the test
            self.base + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read() or b"null")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Api]:
    env = django_process_env(TOUCHFLOW_VAR_DIR=str(tmp_path))

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return done.stdout

    manage("migrate", "-v0")
    manage("touchflow_load_demo")
    key = manage("touchflow_create_api_key", "--workspace", "demo").strip().splitlines()[-1]
    port = free_port()
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "core.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    api = Api(f"http://127.0.0.1:{port}/api/v1", key)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                api.call("GET", "/node-types/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield api
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def midday_zone() -> str:
    """A zone where it is about noon now, so the demo's 22:00-08:00 quiet hours (which the
    test must not wait out, whatever the hour CI runs at) are far away."""
    hours_ahead = (12 - datetime.now(UTC).hour) % 24
    if hours_ahead > 14:
        hours_ahead -= 24
    # POSIX-style Etc zones have inverted signs: Etc/GMT-8 is eight hours ahead of UTC.
    return "UTC" if hours_ahead == 0 else f"Etc/GMT{-hours_ahead:+d}"


def test_an_event_over_http_gets_its_message_sent_by_the_cluster(live: Api) -> None:
    document = json.loads((shared_examples_dir() / "high_value_routing.json").read_text())
    journey = live.call("POST", "/journeys/", {"name": "routing", "definition": document})
    live.call("POST", f"/journeys/{journey['id']}/publish/", {})
    live.call(
        "POST",
        "/contacts/",
        {
            "external_id": "vip",
            "phone": "+8613800000001",
            "attributes": {"monthly_spend": 7000},
            "timezone": midday_zone(),
        },
    )
    live.call("POST", "/track/", {"userId": "vip", "event": "new_model_launched"})
    deadline = time.monotonic() + 45
    messages: list[Any] = []
    while time.monotonic() < deadline:
        messages = live.call("GET", f"/messages/?journey={journey['id']}")["results"]
        if messages and messages[0]["status"] == "sent":
            break
        time.sleep(0.5)
    assert [(m["node"], m["status"]) for m in messages] == [("vip_sms", "sent")]
    [enrollment] = live.call("GET", f"/enrollments/?journey={journey['id']}")["results"]
    assert enrollment["status"] == "completed"
