"""The canvas benchmark: a 200-node journey opens, becomes interactive and saves in chromium.

Run by `make bench` (or `python bench/canvas.py [--nodes N] [--runs R] [--quick]`); the last line
printed is JSON. One fresh SQLite file configured as in production holds the demo workspace (its
channel accounts make the journey valid), an editor, and two drafts: the N-node journey and, as
the baseline measured in the same run, the smallest journey (an entry and an exit). The static
files are collected into the scratch folder and gunicorn serves them and the app exactly as
`make run` does (scripts/serve.sh: two sync workers, whitenoise), in a subprocess so the
browser driver in this process takes no time from the server. Debian's chromium runs headless
with the test suite's launch arguments (tests/support/browser.py).

The N-node journey is a chain of 9-node blocks, each one condition (yes: an SMS; no: an A/B
split into two pushes, then a wait for the open with a timeout, tagging the openers), a one-day
wait and a closing push; plus an entry, an exit, and waits to make up N exactly. It validates
without errors and every node has a stored position, as a journey saved by the canvas does.

Measured, per run, in a fresh page of one browser context (one unmeasured warm-up first, so the
HTTP cache is warm as for anyone who opened the canvas before; the median of the runs is reported):

- `canvas_<N>_interactive_ms`: from navigation start (the page's `performance` time origin) until
  all N steps are in the DOM (a large journey opens at a readable zoom, 50 % at least, on its
  first screenful, so most are outside the view) and a click on a step in view (the first in
  document order wholly inside the canvas and not covered) has selected it (it carries React
  Flow's `selected` class and the side panel shows it), read as `performance.now()` in the page.
  The Playwright round trips of the checks are included, so the figure errs high.
- `canvas_<N>_save_ms`: the label of the selected node is changed (so the save carries a real
  change), then from the Save click until the PATCH is answered 200 and the status reads "All
  changes saved", timed in the page from the click to the status change.
- `canvas_empty_interactive_ms`, `canvas_empty_save_ms`: the same on the 2-node journey, and
  `canvas_<N>_vs_empty_interactive` / `canvas_<N>_vs_empty_save` the ratios: what the N nodes
  cost over the canvas itself.
- `canvas_blank_page_ms`: navigation start to the load event of `/healthz` from the same server,
  the floor any page has on this machine at this moment (the machine is shared: read the canvas
  figures against it).

Goals (issue 6), reported, not asserted: interactive under 1,500 ms, save under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, database_env, print_figures, setup_django

BLOCK = 9
ROW, COLUMN = 170, 300
SAVED = "All changes saved"
SAVE_SCRIPT = """async () => {
  const status = document.querySelector("[data-testid='save-status']");
  const button = [...document.querySelectorAll(".tf-toolbar button")]
    .find((b) => b.textContent === "Save");
  const started = performance.now();
  const saved = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (status.textContent === "SAVED") { observer.disconnect(); resolve(performance.now()); }
    });
    observer.observe(status, { childList: true, subtree: true, characterData: true });
  });
  button.click();
  return (await saved) - started;
}""".replace("SAVED", SAVED)


def block(index: int, following: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """Block `index`'s nodes and edges, its last node wired to `following`; and its first node."""
    ids = {name: f"{name}_{index}" for name in BLOCK_NODES}
    push = {"channel": "push", "account": "push-main"}
    nodes: list[dict[str, Any]] = [
        {
            "id": ids["vip"],
            "type": "condition",
            "label": f"Big spender? ({index})",
            "config": {"rule": {"all": [{"attr": "monthly_spend", "op": "gte", "value": 5000}]}},
        },
        {
            "id": ids["sms"],
            "type": "send",
            "config": {
                "channel": "sms",
                "account": "sms-main",
                "params": {"template_code": "SMS_VIP", "body": f"Offer {index} for you"},
            },
        },
        {
            "id": ids["ab"],
            "type": "split",
            "config": {"variants": [{"key": "A", "weight": 50}, {"key": "B", "weight": 50}]},
        },
        {
            "id": ids["push_a"],
            "type": "send",
            "config": {**push, "params": {"title": f"Offer {index}", "body": "10% off today"}},
        },
        {
            "id": ids["push_b"],
            "type": "send",
            "config": {**push, "params": {"title": f"Offer {index}", "body": "Free delivery"}},
        },
        {
            "id": ids["opened"],
            "type": "wait_event",
            "config": {
                "event": "message.opened",
                "where": {"node": ids["push_a"]},
                "timeout": "PT2H",
            },
        },
        {"id": ids["tag"], "type": "update_contact", "config": {"add_tags": [f"opened_{index}"]}},
        {"id": ids["wait"], "type": "wait", "config": {"duration": "P1D"}},
        {
            "id": ids["push"],
            "type": "send",
            "config": {**push, "params": {"title": "Still thinking?", "body": f"Step {index}"}},
        },
    ]
    wires = [
        ("vip", "yes", "sms"),
        ("vip", "no", "ab"),
        ("sms", None, "wait"),
        ("ab", "A", "push_a"),
        ("ab", "B", "push_b"),
        ("push_a", None, "opened"),
        ("push_b", None, "opened"),
        ("opened", "received", "tag"),
        ("opened", "timeout", "wait"),
        ("tag", None, "wait"),
        ("wait", None, "push"),
    ]
    edges = [edge(ids[source], port, ids[target]) for source, port, target in wires]
    edges.append(edge(ids["push"], None, following))
    return nodes, edges, ids["vip"]


BLOCK_NODES = ("vip", "sms", "ab", "push_a", "push_b", "opened", "tag", "wait", "push")
# Where each node of a block sits: (column, row) within the block's band.
BLOCK_GRID = {
    "vip": (1, 0),
    "sms": (0, 1),
    "ab": (2, 1),
    "push_a": (1.5, 2),
    "push_b": (2.5, 2),
    "opened": (2, 3),
    "tag": (1.5, 4),
    "wait": (1, 5),
    "push": (1, 6),
}


def edge(source: str, port: str | None, target: str) -> dict[str, Any]:
    wired: dict[str, Any] = {"from": source, "to": target}
    if port:
        wired["port"] = port
    return wired


def journey_document(count: int) -> dict[str, Any]:
    """A valid journey of exactly `count` nodes (at least 2), every node placed."""
    if count < 2:
        raise ValueError("A journey needs at least an entry and an exit.")
    blocks, filler = divmod(count - 2, BLOCK)
    nodes: list[dict[str, Any]] = [
        {
            "id": "start",
            "type": "entry",
            "config": {"trigger": {"kind": "event", "event": "cart_abandoned"}},
        }
    ]
    edges: list[dict[str, Any]] = []
    ui: dict[str, Any] = {"start": {"x": COLUMN, "y": 0}}
    tail = ["done"]
    for index in range(filler):  # waits just before the exit make up the count
        tail.insert(0, f"pause_{index}")
    following = tail[0]
    chain: list[tuple[list[dict[str, Any]], list[dict[str, Any]], str]] = []
    for index in reversed(range(blocks)):
        made = block(index, following)
        chain.insert(0, made)
        following = made[2]
    edges.append(edge("start", None, following))
    for index, (block_nodes, block_edges, _) in enumerate(chain):
        nodes.extend(block_nodes)
        edges.extend(block_edges)
        top = ROW + index * ROW * 7
        for node in block_nodes:
            column, row = BLOCK_GRID[node["id"].rsplit("_", 1)[0]]
            ui[node["id"]] = {"x": column * COLUMN, "y": top + row * ROW}
    bottom = ROW + blocks * ROW * 7
    for offset, node_id in enumerate(tail):
        if node_id == "done":
            nodes.append({"id": "done", "type": "exit"})
        else:
            nodes.append({"id": node_id, "type": "wait", "config": {"duration": "PT1H"}})
            edges.append(edge(node_id, None, tail[offset + 1]))
        ui[node_id] = {"x": COLUMN, "y": bottom + offset * ROW}
    return {"schema_version": 1, "nodes": nodes, "edges": edges, "ui": ui}


@dataclass
class Prepared:
    big: int
    empty: int
    cookie: str


def prepare(count: int) -> Prepared:
    """The demo workspace, an editor with a session, and the two drafts; static files collected."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from core.models import Membership, Role, Workspace
    from journeys import services
    from journeys.demo import DEMO_SLUG, load_demo

    load_demo()
    workspace = Workspace.objects.get(slug=DEMO_SLUG)
    document = journey_document(count)
    problems = services.validate_definition(workspace, document)
    assert not problems, [problem.as_dict() for problem in problems[:5]]
    big = services.create_journey(workspace, name=f"{count} nodes", definition=document)
    empty = services.create_journey(workspace, name="Empty", definition=journey_document(2))
    user = get_user_model().objects.create_user(username="bench", is_staff=True)
    Membership.objects.create(workspace=workspace, user=user, role=Role.EDITOR)
    client = Client()
    client.force_login(user)
    call_command("collectstatic", interactive=False, verbosity=0)
    return Prepared(big.pk, empty.pk, client.cookies["sessionid"].value)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(var_dir: str) -> Iterator[str]:
    """gunicorn as scripts/serve.sh starts it, on a free loopback port; its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {**os.environ, **database_env(var_dir), "TOUCHFLOW_PUBLIC_URL": url}
    server = subprocess.Popen(  # noqa: S603 - the project's own server
        [str(gunicorn), "core.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - loopback
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


# The first node (in document order) wholly inside the canvas whose centre is not covered (by an
# edge's label, say), or null while there is none: a tall journey opens at the minimum zoom on
# its first screenful, so most steps are out of view.
IN_VIEW_SCRIPT = """() => {
  const pane = document.querySelector(".react-flow").getBoundingClientRect();
  const inside = [...document.querySelectorAll(".react-flow__node")].find((node) => {
    const box = node.getBoundingClientRect();
    const centre = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return box.top >= pane.top && box.bottom <= pane.bottom
      && box.left >= pane.left && box.right <= pane.right && node.contains(centre);
  });
  return inside ? inside.dataset.id : null;
}"""


def open_interactive(page: Any, url: str, node_count: int) -> float:
    """Navigate; wait until every step is drawn and a click selects one in view. Ms since
    navigation start."""
    page.goto(url, wait_until="commit")
    page.wait_for_function(
        "n => document.querySelectorAll('.react-flow__node').length === n", arg=node_count
    )
    # Until React Flow has measured the steps they are hidden, so none may be clickable yet.
    target = page.wait_for_function(IN_VIEW_SCRIPT).json_value()
    page.locator(f".react-flow__node[data-id='{target}']").click()
    page.locator(f".react-flow__node.selected[data-id='{target}']").wait_for()
    page.locator(".tf-panel").wait_for()
    elapsed: float = page.evaluate("performance.now()")
    return elapsed


def save_round_trip(page: Any, label: str) -> float:
    """Change the selected node's label, then time Save until the page says it is saved."""
    page.locator(".tf-panel").get_by_label("Label").fill(label)
    page.get_by_test_id("save-status").filter(has_text="Unsaved changes").wait_for()
    patches: list[int] = []
    page.on("response", lambda r: patches.append(r.status) if r.request.method == "PATCH" else None)
    elapsed: float = page.evaluate(SAVE_SCRIPT)
    assert patches == [200], patches
    return elapsed


def measure_journey(context: Any, url: str, node_count: int, runs: int) -> tuple[float, float]:
    """Median interactive and save times over `runs` fresh pages, after one warm-up."""
    interactive: list[float] = []
    saves: list[float] = []
    for run in range(runs + 1):
        page = context.new_page()
        opened = open_interactive(page, url, node_count)
        saved = save_round_trip(page, f"Run {run}")
        page.close()
        if run:  # the first is the warm-up
            interactive.append(opened)
            saves.append(saved)
    return round(statistics.median(interactive), 1), round(statistics.median(saves), 1)


def measure_blank_page(context: Any, url: str, runs: int) -> float:
    """Median ms from navigation start to the load event of a tiny page from the same server:
    what the machine and server take before any canvas code runs."""
    times: list[float] = []
    for run in range(runs + 1):
        page = context.new_page()
        page.goto(url, wait_until="load")
        loaded: float = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        page.close()
        if run:
            times.append(loaded)
    return round(statistics.median(times), 1)


def measure(count: int, runs: int, var_dir: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM_ARGS, VIEWPORT, chromium_executable

    prepared = prepare(count)
    with serving(var_dir) as base, sync_playwright() as playwright:
        browser: Any = playwright.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.add_cookies([{"name": "sessionid", "value": prepared.cookie, "url": base}])
            blank = measure_blank_page(context, f"{base}/healthz", runs)
            big = measure_journey(context, f"{base}/journeys/{prepared.big}/canvas/", count, runs)
            empty = measure_journey(context, f"{base}/journeys/{prepared.empty}/canvas/", 2, runs)
        finally:
            browser.close()
    return {
        "canvas_nodes": count,
        "canvas_runs": runs,
        f"canvas_{count}_interactive_ms": big[0],
        f"canvas_{count}_save_ms": big[1],
        "canvas_blank_page_ms": blank,
        "canvas_empty_interactive_ms": empty[0],
        "canvas_empty_save_ms": empty[1],
        f"canvas_{count}_vs_empty_interactive": round(big[0] / empty[0], 2),
        f"canvas_{count}_vs_empty_save": round(big[1] / empty[1], 2),
    }


def run(count: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(var_dir)
        return measure(count, runs, var_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200, help="nodes in the measured journey")
    parser.add_argument("--runs", type=int, default=5, help="measured runs (after one warm-up)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 runs")
    args = parser.parse_args()
    print_figures(run(args.nodes, 3 if args.quick else args.runs))


if __name__ == "__main__":
    main()
