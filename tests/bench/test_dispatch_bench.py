"""`bench/dispatch.py` runs end to end on a few messages and reports every figure.

No timing is asserted (the machine is shared); the counts are, because they show each
measurement really sent every message, and that smtp dispatch reused one session per batch.
"""

from __future__ import annotations

from tests.bench.running import bench_figures

FIGURES = {
    "dispatch_sandbox_msgs_per_s",
    "dispatch_sandbox_bare_msgs_per_s",
    "dispatch_sandbox_vs_bare",
    "dispatch_smtp_msgs_per_s",
    "dispatch_smtp_bare_msgs_per_s",
    "dispatch_smtp_vs_bare",
    "dispatch_peak_rss_mb",
}


def test_the_dispatch_benchmark_sends_everything_and_reports_every_figure() -> None:
    figures = bench_figures("dispatch.py", "--n", "30", "--smtp-n", "12")
    assert figures.keys() >= FIGURES
    assert (figures["dispatch_sandbox_n"], figures["dispatch_sandbox_sent"]) == (30, 30)
    assert (figures["dispatch_smtp_n"], figures["dispatch_smtp_sent"]) == (12, 12)
    assert figures["dispatch_smtp_sessions"] == 1
    assert all(figures[name] > 0 for name in FIGURES)
