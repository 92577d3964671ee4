"""What every benchmark process shares: a throwaway SQLite database, its memory peak, and how
figures are printed.

Each measurement runs in its own process on its own database file, configured exactly as
production's default (`core/settings.py`: WAL, synchronous=NORMAL, IMMEDIATE transactions), so
figures from one run compare like with like and one size's memory cannot leak into another's.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def database_env(var_dir: str) -> dict[str, str]:
    """The variables that point a Django process (this one or a qcluster) at `var_dir`."""
    return {
        "TOUCHFLOW_VAR_DIR": var_dir,
        "DATABASE_URL": f"sqlite:///{Path(var_dir) / 'bench.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "core.settings",
        "TOUCHFLOW_LOG_LEVEL": "WARNING",
    }


def setup_django(var_dir: str) -> None:
    """Configure Django on a fresh database file in `var_dir` and migrate it."""
    os.environ.update(database_env(var_dir))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def timed(function: Callable[[], object]) -> float:
    """Seconds `function()` took, by the wall clock."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def peak_rss_mb() -> float:
    """This process's peak resident set so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measured_on_scratch_database(
    measure: Callable[[int], dict[str, Any]], count: int, rss_key: str
) -> dict[str, Any]:
    """`measure(count)` on a fresh database, with this process's memory peak as `rss_key`."""
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(var_dir)
        results = measure(count)
    return {**results, rss_key: peak_rss_mb()}


def print_figures(results: dict[str, Any]) -> None:
    """Each figure on a line for people, then all of them as JSON on the last line."""
    for name, value in results.items():
        print(f"{name:>32}: {value}")
    print(json.dumps(results))
