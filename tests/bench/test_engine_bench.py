"""`bench/engine.py` runs end to end on a tiny population and reports every figure.

No timing is asserted (the machine is shared); the step counts are, because they show each
measurement really walked every contact through the whole pipeline.
"""

from __future__ import annotations

from bench.population import VISITS_PER_CONTACT
from tests.bench.running import bench_figures

FIGURES = {
    "engine_sqlite_steps_per_s",
    "raw_sqlite_rows_per_s",
    "engine_sqlite_efficiency",
    "naive_q_steps_per_s",
    "engine_vs_naive",
    "peak_rss_mb",
    "peak_rss_mb_10n",
    "journey_stats_ms",
    "journey_stats_vs_count",
}


def test_the_engine_benchmark_walks_everyone_and_reports_every_figure() -> None:
    figures = bench_figures("engine.py", "--n", "40", "--naive-sample", "3")
    assert figures.keys() >= FIGURES
    assert figures["engine_sqlite_steps"] == 40 * VISITS_PER_CONTACT
    assert figures["engine_10n_steps"] == 400 * VISITS_PER_CONTACT
    assert figures["naive_q_steps"] == 3 * VISITS_PER_CONTACT
    assert figures["engine_unfinished"] == 0
    assert all(figures[name] > 0 for name in FIGURES)
