"""The engine benchmark: the walker against SQLite's own write rate and the naive task pattern.

Run with `make bench` (or `python bench/engine.py [--n N] [--quick]`). The last line printed is
JSON. Each measurement runs in a subprocess of its own on a fresh SQLite file configured as in
production:

- engine at N and at 10·N: N contacts (default 100,000) enrolled in the pipeline of
  `bench/population.py`, drained by `run_due` in virtual time (one pass at the start, one
  past the wait). `engine_sqlite_steps_per_s` counts the node visits recorded
  (StepLog rows, one per visit, unnested from the walker's one row per pass).
- raw, in the same process and database: `executemany` UPDATE of status, wake_at, node_id,
  visit and context on the enrollment table itself (its indexes included), 1,000 rows per
  statement, one transaction each. Efficiency = steps/s ÷ (raw rows/s ÷ 3), the yardstick of
  ARCHITECTURE.md §6: a step may cost what three raw row writes cost (this pipeline writes
  six rows per contact for its seven steps: per pass, the enrollment, its step-log row and a
  message; the claim also rewrites each enrollment's lease).
- naive: a sample of contacts walked one django-q2 task per step by a real qcluster.
- `peak_rss_mb*`: each engine process's peak resident set; flat memory means 10·N ≈ N.
- `*_per_cpu_s`: the same rates per second of this process's CPU time, steadier than wall
  time on a machine shared with other work.
- `journey_stats_ms`: the stats endpoint's figures for the drained journey (N enrollments,
  7·N visits, 2·N messages), best of three; `journey_stats_vs_count` sets it against a plain
  indexed count of the journey's enrollments in the same database.

`--profile` runs the engine at N once in this process under cProfile, counting SQL statements.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import peak_rss_mb, setup_django, timed

RAW_BATCH = 1_000
ROW_WRITES_PER_STEP = 3


def drain() -> None:
    """Walk everything due: up to the wait at the start, then the rest a day later."""
    from bench.population import START, WAIT
    from journeys.engine.walker import run_due

    run_due(START)
    run_due(START + WAIT)


def measure_engine(count: int) -> dict[str, Any]:
    """Drain `count` contacts; steps recorded, the time it took, and what is left unfinished."""
    from bench.population import enroll_population, published_pipeline
    from journeys.models import Enrollment, EnrollmentStatus, StepLog

    enroll_population(published_pipeline("bench"), count)
    start, cpu = time.perf_counter(), time.process_time()
    drain()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    steps = StepLog.objects.count()
    unfinished = Enrollment.objects.exclude(status=EnrollmentStatus.COMPLETED).count()
    return {"steps": steps, "seconds": seconds, "cpu_seconds": cpu, "unfinished": unfinished}


def measure_stats() -> tuple[float, float]:
    """Milliseconds for the journey's stats (`journey_stats`, what the stats endpoint answers)
    and for a plain indexed count of its enrollments, each the best of three."""
    from journeys.models import Enrollment, Journey, JourneyVersion
    from journeys.stats import journey_stats

    journey = Journey.objects.get()
    versions = list(JourneyVersion.objects.filter(journey=journey).order_by("-number"))

    def best_ms(run: Callable[[], object]) -> float:
        return min(timed(run) for _ in range(3)) * 1000

    stats = best_ms(lambda: journey_stats(journey, versions))
    count = best_ms(lambda: Enrollment.objects.filter(journey=journey).count())
    return stats, count


def measure_raw() -> tuple[float, float]:
    """Rows per second (of wall and of CPU time) of batched `executemany` UPDATEs on the
    enrollment table."""
    from django.db import connection, transaction
    from django.db.models import Max, Min

    from bench.population import START, WAIT, representative_context
    from journeys.models import Enrollment

    bounds = Enrollment.objects.aggregate(low=Min("id"), high=Max("id"))
    wake = connection.ops.adapt_datetimefield_value(START + WAIT)
    context = representative_context()
    sql = (
        "UPDATE journeys_enrollment SET status = %s, wake_at = %s, node_id = %s, visit = %s,"
        " context = %s WHERE id = %s"
    )
    written = 0
    start, cpu = time.perf_counter(), time.process_time()
    with connection.cursor() as cursor:
        for first in range(bounds["low"], bounds["high"] + 1, RAW_BATCH):
            rows = [
                ("waiting", wake, "wait_1d", 5, context, pk)
                for pk in range(first, min(first + RAW_BATCH, bounds["high"] + 1))
            ]
            with transaction.atomic():
                cursor.executemany(sql, rows)
                written += cursor.rowcount
    return written / (time.perf_counter() - start), written / (time.process_time() - cpu)


def engine_child(count: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(var_dir)
        engine = measure_engine(count)
        stats_ms, count_ms = measure_stats()
        raw, raw_cpu = measure_raw()
    return {
        "n": count,
        "steps": engine["steps"],
        "unfinished": engine["unfinished"],
        "steps_per_s": round(engine["steps"] / engine["seconds"]),
        "steps_per_cpu_s": round(engine["steps"] / engine["cpu_seconds"]),
        "raw_rows_per_s": round(raw),
        "raw_rows_per_cpu_s": round(raw_cpu),
        "stats_ms": round(stats_ms, 1),
        "count_ms": round(count_ms, 2),
        "peak_rss_mb": peak_rss_mb(),
    }


def naive_child(sample: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(var_dir)
        from bench.naive import measure

        return measure(var_dir, sample)


def profile_child(count: int) -> None:
    """Print where an engine run at `count` spends its time (not a JSON figure run)."""
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(var_dir)
        from bench.population import enroll_population, published_pipeline
        from bench.profiling import counting_statements, profiled
        from journeys.models import StepLog

        enroll_population(published_pipeline("bench"), count)
        start = time.perf_counter()
        with counting_statements() as statements:
            _, report = profiled(drain)
        seconds = time.perf_counter() - start
        steps = StepLog.objects.count()
        print(report)
        print(statements.table())
        print(f"{steps} steps in {seconds:.2f} s under the profiler: {steps / seconds:.0f}/s")


def in_child(*args: str) -> dict[str, Any]:
    """Run this script with `args` in a fresh interpreter; its last line, parsed."""
    done = subprocess.run(  # noqa: S603 - this script, with our own arguments
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"bench/engine.py {' '.join(args)} failed ({done.returncode}).")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def run(count: int, sample: int) -> dict[str, Any]:
    at_n = in_child("--child", "engine", "--n", str(count))
    at_10n = in_child("--child", "engine", "--n", str(10 * count))
    naive = in_child("--child", "naive", "--naive-sample", str(sample))
    steps_per_s, raw = at_n["steps_per_s"], at_n["raw_rows_per_s"]
    return {
        "engine_n": count,
        "engine_sqlite_steps": at_n["steps"],
        "engine_sqlite_steps_per_s": steps_per_s,
        "raw_sqlite_rows_per_s": raw,
        "engine_sqlite_efficiency": round(steps_per_s / (raw / ROW_WRITES_PER_STEP), 3),
        "engine_sqlite_steps_per_cpu_s": at_n["steps_per_cpu_s"],
        "raw_sqlite_rows_per_cpu_s": at_n["raw_rows_per_cpu_s"],
        "engine_sqlite_efficiency_cpu": round(
            at_n["steps_per_cpu_s"] / (at_n["raw_rows_per_cpu_s"] / ROW_WRITES_PER_STEP), 3
        ),
        "naive_q_sample": sample,
        "naive_q_steps": naive["naive_q_steps"],
        "naive_q_steps_per_s": naive["naive_q_steps_per_s"],
        "engine_vs_naive": round(steps_per_s / naive["naive_q_steps_per_s"], 1),
        "journey_stats_ms": at_n["stats_ms"],
        "journey_stats_vs_count": round(at_n["stats_ms"] / at_n["count_ms"], 1),
        "journey_stats_10n_ms": at_10n["stats_ms"],
        "peak_rss_mb": at_n["peak_rss_mb"],
        "engine_10n_steps": at_10n["steps"],
        "engine_10n_steps_per_s": at_10n["steps_per_s"],
        "raw_10n_rows_per_s": at_10n["raw_rows_per_s"],
        "peak_rss_mb_10n": at_10n["peak_rss_mb"],
        "engine_unfinished": at_n["unfinished"] + at_10n["unfinished"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="contacts (10·N is run too)")
    parser.add_argument("--naive-sample", type=int, default=300, help="contacts, naive pattern")
    parser.add_argument("--quick", action="store_true", help="a smoke run: N=1,000, sample 20")
    parser.add_argument("--profile", action="store_true", help="profile the engine at N")
    parser.add_argument("--child", choices=["engine", "naive"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    count, sample = (1_000, 20) if args.quick else (args.n, args.naive_sample)
    if args.child == "engine":
        print(json.dumps(engine_child(count)))
    elif args.child == "naive":
        print(json.dumps(naive_child(sample)))
    elif args.profile:
        profile_child(count)
    else:
        results = run(count, sample)
        for name, value in results.items():
            print(f"{name:>28}: {value}")
        print(json.dumps(results))


if __name__ == "__main__":
    main()
