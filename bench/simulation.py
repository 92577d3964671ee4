"""Simulation wall time: the fallback chain for N contacts over 7 days, end to end.

Run with `.venv/bin/python bench/simulation.py` (BENCH_SIM_CONTACTS="1000,10000" by default).
Each figure is the whole path a queued run takes: snapshot, template copy, child process start,
building the private world, the virtual clock loop and the report. The first run also builds
the migrated template (reported apart). The last line printed is JSON.

The script: 30% open the push within an hour, 20% of SMS receivers click within 6 hours, 5% of
entrants pay within 3 days.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import print_figures, setup_django  # noqa: E402 - needs ROOT on the path first

SCRIPT = [
    {"event": "message.opened", "node": "push1", "p": 0.3, "within": "PT1H"},
    {"event": "message.clicked", "node": "sms1", "p": 0.2, "within": "PT6H"},
    {"event": "order_paid", "p": 0.05, "within": "P3D"},
]


def bench(counts: list[int]) -> dict[str, Any]:
    from journeys.demo import DEMO_SLUG, load_demo
    from journeys.models import Journey
    from journeys.simulation import snapshot
    from journeys.simulation.process import run_child, template_database
    from journeys.simulation.request import check_request, check_shape

    load_demo()
    journey = Journey.objects.get(workspace__slug=DEMO_SLUG, name="Cross-channel fallback chain")
    started = time.perf_counter()
    template_database()
    figures: dict[str, Any] = {"template_build_s": round(time.perf_counter() - started, 1)}
    for count in counts:
        body = {
            "days": 7,
            "seed": 1,
            "start": "2026-11-02T01:00:00+00:00",
            "population": {"count": count},
            "script": SCRIPT,
        }
        assert not check_shape(body)
        checked = check_request(body, journey.definition)
        assert not checked.errors, checked.errors
        payload = {
            "snapshot": snapshot.take(journey, journey.definition),
            "request": checked.request,
            "limits": {"seconds": 3_000, "moments": 100_000},
        }
        started = time.perf_counter()
        result = run_child(payload, timeout=3_600)
        figures[f"contacts_{count}_7d_s"] = round(time.perf_counter() - started, 1)
        figures[f"contacts_{count}_7d_child_ms"] = result["elapsed_ms"]
        figures[f"contacts_{count}_7d_moments"] = result["steps"]
        figures[f"contacts_{count}_7d_sent"] = result["messages"]
    return figures


def main() -> None:
    counts = [int(n) for n in os.environ.get("BENCH_SIM_CONTACTS", "1000,10000").split(",")]
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(var_dir)
        results = bench(counts)
    print_figures(results)


if __name__ == "__main__":
    main()
