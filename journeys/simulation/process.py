"""Running a simulation in a process of its own, over a database of its own.

Isolation is by construction: the child gets DATABASE_URL naming a SQLite file in a temporary
directory (removed afterwards) and the ORM broker on that file, so it holds no connection to
the main database and can neither lock nor change it; its channel accounts are sandbox copies,
so nothing is sent.

Migrating an empty SQLite file takes seconds, so a migrated template is kept under
VAR_DIR/simulation/, named by a hash of every migration file and Django's version, and copied
for each run. A template being built by two processes at once is harmless: each builds its own
file and moves it into place atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from importlib import import_module
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.db.migrations.loader import MigrationLoader

STRIPPED_ENV = ("DATABASE_URL", "TOUCHFLOW_BROKER_URL", "TOUCHFLOW_CLOCK_OFFSET_FILE")
MAX_ERROR_CHARS = 4_000


class SimulationFailed(Exception):
    """The child failed or ran out of time; the message is what a user can be shown."""


def _template_dir() -> Path:
    return Path(settings.VAR_DIR) / "simulation"


def migrations_hash() -> str:
    """Changes whenever any migration of any installed app (or Django itself) changes."""
    digest = hashlib.sha256(django.get_version().encode())
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for app_label, name in sorted(loader.disk_migrations):
        module = import_module(type(loader.disk_migrations[app_label, name]).__module__)
        digest.update(f"{app_label}.{name}".encode())
        if module.__file__:
            digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:20]


def child_env(database: Path) -> dict[str, str]:
    """This process's environment, pointed at `database`, with the broker on that file too
    (a Redis URL would let the child's pump requests reach the real queue)."""
    env = {k: v for k, v in os.environ.items() if k not in STRIPPED_ENV}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    # The module this process started with (override_settings hides it from `settings`).
    env["DJANGO_SETTINGS_MODULE"] = (
        os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE or "core.settings"
    )
    env["TOUCHFLOW_DELIVER_WEBHOOKS"] = "0"  # nothing leaves a simulation, calls included
    env["TOUCHFLOW_LOG_LEVEL"] = "WARNING"  # its stderr is the failure report: keep it short
    base = str(settings.BASE_DIR)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (base, env.get("PYTHONPATH", "")) if p)
    return env


def _django_command(
    args: list[str], database: Path, *, stdin: str = "", timeout: float
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "django", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=child_env(database),
            cwd=settings.BASE_DIR,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SimulationFailed(
            f"The simulation took longer than {timeout:.0f} s; try fewer contacts or days."
        ) from exc
    except OSError as exc:  # no interpreter, no memory for a process, no temporary space
        raise SimulationFailed(f"The simulation process could not start: {exc}") from exc


def template_database(timeout: float = 300) -> Path:
    """A migrated, empty SQLite file for the current migrations, built on first use."""
    folder = _template_dir()
    template = folder / f"template-{migrations_hash()}.sqlite3"
    if template.exists():
        return template
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix="building-") as building:
        fresh = Path(building) / "fresh.sqlite3"
        done = _django_command(["migrate", "--noinput", "-v", "0"], fresh, timeout=timeout)
        if done.returncode != 0:
            raise SimulationFailed(f"Preparing the simulation database failed: {_tail(done)}")
        with sqlite3.connect(fresh) as db:  # fold the WAL in: the copy must be one file
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.execute("PRAGMA journal_mode=DELETE")
        db.close()
        os.replace(fresh, template)
    return template


def run_child(payload: Mapping[str, Any], *, timeout: float) -> dict[str, Any]:
    """Simulate in a child process; its result, or SimulationFailed saying why not."""
    template = template_database()
    with tempfile.TemporaryDirectory(prefix="touchflow-sim-") as folder:
        database = Path(folder) / "sim.sqlite3"
        shutil.copyfile(template, database)
        done = _django_command(
            ["touchflow_simulate"], database, stdin=json.dumps(payload), timeout=timeout
        )
    if done.returncode != 0:
        raise SimulationFailed(_tail(done))
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        result = None
    if not isinstance(result, dict):
        raise SimulationFailed(f"The simulation printed no result: {_tail(done)}")
    return result


def _tail(done: subprocess.CompletedProcess[str]) -> str:
    """The end of what the child said: a CommandError's one line, or a traceback's end."""
    text = (done.stderr or done.stdout or "").strip()
    if not text:
        return f"the simulation process exited with status {done.returncode}"
    if text.startswith("CommandError: "):
        text = text.removeprefix("CommandError: ")
    return text[-MAX_ERROR_CHARS:]
