"""`bench/huawei.py` runs end to end on a few messages and reports every figure.

No timing is asserted (the machine is shared); the counts are: every message ended sent, and
dispatch grouped the identical messages into one messages:send request per claim.
"""

from __future__ import annotations

from tests.bench.running import bench_figures

FIGURES = {
    "dispatch_huawei_msgs_per_s",
    "dispatch_huawei_bare_msgs_per_s",
    "dispatch_huawei_vs_bare",
    "dispatch_huawei_peak_rss_mb",
}


def test_the_huawei_benchmark_sends_everything_in_batched_requests() -> None:
    figures = bench_figures("huawei.py", "--n", "1500")
    assert figures.keys() >= FIGURES
    assert (figures["dispatch_huawei_n"], figures["dispatch_huawei_sent"]) == (1500, 1500)
    assert figures["dispatch_huawei_requests"] == 2  # 1,000 tokens, then 500
    assert all(figures[name] > 0 for name in FIGURES)
