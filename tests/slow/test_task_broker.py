"""A django-q2 task makes a round trip through each broker Touchflow can be configured with.

A real qcluster process runs against a throwaway SQLite file; the task is enqueued from another
process, as a web worker would. This proves `TOUCHFLOW_BROKER_URL` really selects the broker.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.system import django_process_env, missing

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/15"

ENQUEUE_AND_WAIT = """
import django; django.setup()
from django_q.brokers import get_broker
from django_q.tasks import async_task, result
print(type(get_broker()).__name__)
task_id = async_task("math.floor", 7.9)
print(result(task_id, wait=60_000))
"""


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["orm", "redis"])
def broker_env(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    env = django_process_env(TOUCHFLOW_VAR_DIR=str(tmp_path))
    if request.param == "redis":
        if not _redis_available():
            missing("Redis on 127.0.0.1:6379", "apt-get install redis-server and start it")
        env["TOUCHFLOW_BROKER_URL"] = REDIS_URL
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
    )
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield request.param, env
    finally:
        cluster.terminate()
        cluster.wait(timeout=30)


def test_a_task_round_trips_through_the_broker(broker_env: tuple[str, dict[str, str]]) -> None:
    broker, env = broker_env
    done = subprocess.run(
        [sys.executable, "-c", ENQUEUE_AND_WAIT],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    broker_class, answer = done.stdout.split()
    assert broker_class == {"orm": "ORM", "redis": "Redis"}[broker]
    assert answer == "7"
