"""Workers claiming at the same time never get the same enrollment, on SQLite and PostgreSQL.

Real processes against a real database file / server: four workers race to claim 2,000 due
enrollments in batches of 50; every enrollment must be claimed exactly once. Four workers
walking them at once count every visit once: the stats' counters agree with the step log.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.support.system import django_process_env, missing

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[2]
ENROLLMENTS = 2_000
WORKERS = 4

SEED = f"""
import django; django.setup()
from datetime import UTC, datetime
from core.models import Workspace
from tests.engine.factories import enrollments, published_version
now = datetime(2026, 1, 1, tzinfo=UTC)
version = published_version(Workspace.objects.create(slug="race", name="Race"))
enrollments(version, {ENROLLMENTS}, wake_at=now, entered_at=now)
"""

START_TOGETHER = """
import django, json, os, pathlib, time; django.setup()
race = pathlib.Path(os.environ["RACE_DIR"])
(race / f"ready-{os.getpid()}").touch()
while not (race / "go").exists():  # start together, so the claims really overlap
    time.sleep(0.01)
"""

WORKER = (
    START_TOGETHER
    + """
from datetime import UTC, datetime, timedelta
from journeys.engine.claim import claim_due
claimed, empty = [], 0
while empty < 3:
    ids = claim_due(datetime(2026, 1, 2, tzinfo=UTC), limit=50, lease=timedelta(hours=1)).ids
    claimed.extend(ids)
    empty = 0 if ids else empty + 1
    time.sleep(0.02)  # advancing the batch takes a while; meanwhile others claim
print(json.dumps(claimed))
"""
)

WALKER = (
    START_TOGETHER
    + """
from datetime import UTC, datetime
from journeys.engine.walker import run_due
report = run_due(datetime(2026, 1, 2, tzinfo=UTC), batch_size=50)
print(json.dumps(report.advanced))
"""
)

COUNTS = """
import django, json; django.setup()
from django.db.models import Count, Sum
from journeys.models import NodeVisitCount, StepLog
counted = NodeVisitCount.objects.values_list("version_id", "node_id", "port").annotate(
    n=Sum("visits")
)
logged = StepLog.objects.values_list("enrollment__version_id", "node_id", "port").annotate(
    n=Count("id")
)
print(json.dumps([sorted(map(list, counted)), sorted(map(list, logged))]))
"""


def _env(database_url: str, var_dir: Path) -> dict[str, str]:
    return django_process_env(DATABASE_URL=database_url, TOUCHFLOW_VAR_DIR=str(var_dir))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    if request.param == "sqlite":
        yield _env(f"sqlite:///{tmp_path / 'race.sqlite3'}", tmp_path)
        return
    name = f"touchflow_race_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(
            host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError:
        missing("PostgreSQL on 127.0.0.1:5432", "apt-get install postgresql and start it")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield _env(f"postgres://postgres@127.0.0.1:5432/{name}", tmp_path)
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _run(code: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, check=True, timeout=300)


def _race(code: str, env: dict[str, str]) -> list[str]:
    """Run `code` (which starts with START_TOGETHER) in WORKERS processes started together
    on the seeded database; their outputs."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    _run(SEED, env)
    race = Path(env["TOUCHFLOW_VAR_DIR"]) / "race"
    race.mkdir()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=REPO_ROOT,
            env={**env, "RACE_DIR": str(race)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    deadline = time.monotonic() + 120
    while len(list(race.glob("ready-*"))) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.05)
    (race / "go").touch()
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        outputs.append(out)
    return outputs


def test_concurrent_workers_claim_each_enrollment_once(database_env: dict[str, str]) -> None:
    claims: list[list[int]] = [json.loads(out) for out in _race(WORKER, database_env)]
    every = [claimed for claim in claims for claimed in claim]
    assert len(every) == ENROLLMENTS
    assert len(set(every)) == ENROLLMENTS  # nobody claimed an enrollment twice
    assert sum(1 for claim in claims if claim) >= 2  # the workers really raced


def test_concurrent_walkers_count_each_visit_once(database_env: dict[str, str]) -> None:
    advanced = [json.loads(out) for out in _race(WALKER, database_env)]
    done = subprocess.run(
        [sys.executable, "-c", COUNTS],
        cwd=REPO_ROOT,
        env=database_env,
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    counted, logged = json.loads(done.stdout)
    assert counted == logged
    assert sum(n for *_, n in counted) == sum(advanced) >= 2 * ENROLLMENTS
    assert sum(1 for n in advanced if n) >= 2  # the workers really raced
