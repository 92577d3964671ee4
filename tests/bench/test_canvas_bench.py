"""`bench/canvas.py`: its journey is valid at any size, and a small run reports every figure.

No timing is asserted (the machine is shared); the run itself checks that every node was drawn,
that a click selected one and that each save was a PATCH answered 200.
"""

from __future__ import annotations

import pytest

from bench.canvas import journey_document
from core.models import Workspace
from journeys import services
from tests.bench.running import bench_figures
from tests.support.browser import chromium_executable, require_canvas_bundle

FIGURES = {
    "canvas_20_interactive_ms",
    "canvas_20_save_ms",
    "canvas_blank_page_ms",
    "canvas_empty_interactive_ms",
    "canvas_empty_save_ms",
    "canvas_20_vs_empty_interactive",
    "canvas_20_vs_empty_save",
}


@pytest.mark.parametrize("count", [2, 11, 20, 200])
def test_the_bench_journey_has_exactly_n_nodes_all_placed_and_wired(count: int) -> None:
    document = journey_document(count)
    ids = [node["id"] for node in document["nodes"]]
    assert len(ids) == len(set(ids)) == count
    assert set(document["ui"]) == set(ids)
    assert all({edge["from"], edge["to"]} <= set(ids) for edge in document["edges"])


@pytest.mark.django_db
def test_the_200_node_journey_validates_in_the_demo_workspace(demo: Workspace) -> None:
    document = journey_document(200)
    types = {node["type"] for node in document["nodes"]}
    assert types >= {"entry", "condition", "split", "send", "wait", "wait_event", "exit"}
    assert services.validate_definition(demo, document) == []


def test_the_canvas_benchmark_runs_and_reports_every_figure() -> None:
    require_canvas_bundle()
    chromium_executable()
    figures = bench_figures("canvas.py", "--nodes", "20", "--runs", "1")
    assert figures.keys() >= FIGURES
    assert (figures["canvas_nodes"], figures["canvas_runs"]) == (20, 1)
    assert all(figures[name] > 0 for name in FIGURES)
