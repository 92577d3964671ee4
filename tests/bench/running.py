"""Running a benchmark script the way `make bench` does, for the smoke tests."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.support.system import REPO_ROOT, django_process_env


def bench_figures(script: str, *args: str) -> dict[str, Any]:
    """Run `bench/<script>` with `args` in a fresh interpreter; the JSON of its last line."""
    done = subprocess.run(
        [sys.executable, f"bench/{script}", *args],
        cwd=REPO_ROOT,
        env=django_process_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures
