"""What every engine benchmark process shares: a throwaway SQLite database and its memory peak.

Each measurement runs in its own process on its own database file, configured exactly as
production's default (`core/settings.py`: WAL, synchronous=NORMAL, IMMEDIATE transactions), so
figures from one run compare like with like and one size's memory cannot leak into another's.
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

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


def peak_rss_mb() -> float:
    """This process's peak resident set so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
