"""Settings read from the environment, and the deployment checks they must pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from tests.support.system import django_process_env

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_in_fresh_process(code: str, env: dict[str, str]) -> str:
    full_env = django_process_env(**env)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_check_deploy_is_clean_with_production_like_variables(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT,
        env=django_process_env(
            SECRET_KEY="x" * 20 + "-production-secret-with-enough-entropy-0123456789",
            ALLOWED_HOSTS="touchflow.example.com",
            TOUCHFLOW_HTTPS="1",
            TOUCHFLOW_PUBLIC_URL="https://touchflow.example.com",
            TOUCHFLOW_VAR_DIR=str(tmp_path),
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_sqlite_default_uses_wal_immediate_and_a_busy_timeout(tmp_path: Path) -> None:
    out = run_in_fresh_process(
        "import django; django.setup();"
        "from django.db import connection; from django.conf import settings;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]);"
        "o = settings.DATABASES['default']['OPTIONS']; print(o['transaction_mode'], o['timeout']);"
        "print(settings.DATABASES['default']['NAME'])",
        {"TOUCHFLOW_VAR_DIR": str(tmp_path)},
    )
    journal_mode, options, name = out.split("\n")[:3]
    assert journal_mode == "wal"
    assert options == "IMMEDIATE 20"
    assert name == str(tmp_path / "touchflow.sqlite3")


def test_database_url_and_broker_url_select_postgres_and_redis(tmp_path: Path) -> None:
    out = run_in_fresh_process(
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.DATABASES['default']['ENGINE']); print(settings.Q_CLUSTER.get('redis'));"
        "print('orm' in settings.Q_CLUSTER); print(settings.DEBUG)",
        {
            "TOUCHFLOW_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
            "TOUCHFLOW_BROKER_URL": "redis://127.0.0.1:6379/3",
        },
    )
    assert out.split("\n")[:4] == [
        "django.db.backends.postgresql",
        "redis://127.0.0.1:6379/3",
        "False",
        "False",
    ]


def test_orm_broker_and_debug_off_by_default(tmp_path: Path) -> None:
    out = run_in_fresh_process(
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.Q_CLUSTER.get('orm')); print(settings.DEBUG)",
        {"TOUCHFLOW_VAR_DIR": str(tmp_path)},
    )
    assert out.split("\n")[:2] == ["default", "False"]


def test_secret_key_is_generated_once_and_reused(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings;print(settings.SECRET_KEY)"
    )
    first = run_in_fresh_process(code, {"TOUCHFLOW_VAR_DIR": str(tmp_path)})
    second = run_in_fresh_process(code, {"TOUCHFLOW_VAR_DIR": str(tmp_path)})
    assert first == second
    assert len(first.strip()) > 50


@override_settings(TOUCHFLOW={"PUBLIC_URL": "touchflow.local/"})
def test_a_relative_public_url_fails_the_system_check() -> None:
    with pytest.raises(SystemCheckError, match=r"touchflow\.E101"):
        call_command("check")


@override_settings(TOUCHFLOW={"WEBHOOK_BLOCKED_NETWORKS": ["169.254.0.0/16", "intranet"]})
def test_a_blocked_network_that_does_not_parse_fails_the_system_check() -> None:
    with pytest.raises(SystemCheckError, match=r"touchflow\.E102.*'intranet'"):
        call_command("check")


def test_blocked_webhook_networks_come_from_the_environment(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from core.conf import touchflow_settings as s;"
        " print(s.WEBHOOK_BLOCKED_NETWORKS)"
    )
    default = run_in_fresh_process(code, {"TOUCHFLOW_VAR_DIR": str(tmp_path)})
    assert "169.254.0.0/16" in default
    chosen = run_in_fresh_process(
        code,
        {
            "TOUCHFLOW_VAR_DIR": str(tmp_path),
            "TOUCHFLOW_WEBHOOK_BLOCKED_NETWORKS": "169.254.0.0/16, 10.0.0.0/8",
        },
    )
    assert chosen.strip() == "['169.254.0.0/16', '10.0.0.0/8']"


def test_subprocesses_do_not_inherit_the_browser_tests_async_override(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The canvas tests set it in their process; `check --deploy` in a subprocess refuses it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in django_process_env()
