"""`bench/twilio.py` runs end to end on a few messages and reports every figure.

No timing is asserted (the machine is shared); the counts are, because they show dispatch and
the bare loop really sent every message through the stand-in.
"""

from __future__ import annotations

from tests.bench.running import bench_figures

FIGURES = {
    "dispatch_twilio_msgs_per_s",
    "dispatch_twilio_bare_msgs_per_s",
    "dispatch_twilio_vs_bare",
    "dispatch_twilio_peak_rss_mb",
}


def test_the_twilio_benchmark_sends_everything_and_reports_every_figure() -> None:
    figures = bench_figures("twilio.py", "--n", "20")
    assert figures.keys() >= FIGURES
    assert (figures["dispatch_twilio_n"], figures["dispatch_twilio_sent"]) == (20, 20)
    assert 1 <= figures["dispatch_twilio_concurrency"] <= 8
    assert all(figures[name] > 0 for name in FIGURES)
