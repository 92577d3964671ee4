"""The canvas end to end in headless chromium: building, undo, conflicts, read-only, deleting.

Slow tier. Everything goes through the page as a user would (palette drags, handle drags, the
keyboard, the panel) via `CanvasPage`; the stored document is then checked in the database.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from core.models import Role, Workspace
from journeys import services
from journeys.demo import read_example
from journeys.models import Journey
from tests.canvas.conftest import OpenCanvas
from tests.canvas.pages import VIEWPORT_KEY, CanvasPage, box_of

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts"

# Where each node of fallback_chain.json is dropped (pixels from the pane's top-left), kept clear
# of the minimap (bottom right) and the zoom controls (bottom left).
FALLBACK_LAYOUT = {
    "start": (300, 20),
    "push1": (300, 140),
    "wait_open": (300, 260),
    "sms1": (580, 380),
    "wait_click": (580, 500),
    "wait_pay": (300, 620),
    "coupon": (40, 620),
    "done": (40, 380),
}


def palette_key(node: dict[str, Any]) -> str:
    return f"send:{node['config']['channel']}" if node["type"] == "send" else node["type"]


def renamed(value: Any, ids: dict[str, str]) -> Any:
    """`value` with the example's node ids (as nodes, edge ends and `node` references) renamed."""
    if isinstance(value, list):
        return [renamed(item, ids) for item in value]
    if isinstance(value, dict):
        return {
            key: ids.get(item, item)
            if key in {"id", "from", "to", "node"} and isinstance(item, str)
            else renamed(item, ids)
            for key, item in value.items()
        }
    return value


def screen_offset(canvas: CanvasPage, node_id: str) -> tuple[float, float]:
    """Where a node's top-left corner is on screen, in pixels from the pane's top-left."""
    box, pane = box_of(canvas.node(node_id)), box_of(canvas.pane)
    return (box["x"] - pane["x"], box["y"] - pane["y"])


def create_empty_journey(new_page: Callable[..., Any], live_server: Any, name: str) -> Any:
    """Creates a journey through the "New journey" page, starting from the empty canvas."""
    page = new_page()
    page.goto(f"{live_server.url}/journeys/new/")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Empty canvas").check()
    page.get_by_role("button", name="Create and open the canvas").click()
    page.wait_for_url("**/canvas/")
    page.locator(".tf-editor").wait_for()
    return page


def test_the_fallback_chain_is_built_from_an_empty_canvas_by_hand(
    signed_in_page: Callable[..., Any], live_server: Any, demo_workspace: Workspace
) -> None:
    target = read_example("fallback_chain.json")  # the shared example, as the demo ships it
    page = create_empty_journey(signed_in_page, live_server, "Members' day by hand")
    journey = Journey.objects.get(workspace=demo_workspace, name="Members' day by hand")
    canvas = CanvasPage(page).wait_ready()
    expect(canvas.nodes).to_have_count(0)

    # The canvas has no settings editor yet: the settings go in through the API, and the canvas
    # must carry them through its saves untouched.
    blank = canvas.api("GET", f"journeys/{journey.pk}/")["body"]
    definition = {**blank["definition"], "settings": target["settings"]}
    patched = canvas.api(
        "PATCH", f"journeys/{journey.pk}/", {"rev": blank["rev"], "definition": definition}
    )
    assert patched["status"] == 200, patched
    page.reload()
    canvas.wait_ready()

    ids = {
        node["id"]: canvas.add_step(palette_key(node), FALLBACK_LAYOUT[node["id"]])
        for node in target["nodes"]
    }
    # Each step lands where it was dropped; the empty canvas does not zoom onto its first step.
    for key, point in FALLBACK_LAYOUT.items():
        assert screen_offset(canvas, ids[key]) == pytest.approx(point, abs=1)
    for edge in target["edges"]:
        canvas.connect(ids[edge["from"]], edge.get("port", "next"), ids[edge["to"]])
    expect(canvas.edges).to_have_count(len(target["edges"]))

    wanted = renamed(target, ids)
    wanted_nodes = {node["id"]: node for node in wanted["nodes"]}
    wait_pay = ids["wait_pay"]
    for node in wanted["nodes"]:
        if node["id"] == wait_pay:
            continue
        if "config" in node:
            canvas.set_config_json(node["id"], node["config"])
    # First a duration the contract does not accept: the problem shows on that node.
    canvas.set_config_json(wait_pay, {**wanted_nodes[wait_pay]["config"], "timeout": "1 day"})
    assert canvas.save() == 200
    expect(canvas.node(wait_pay).locator(".tf-node__badge")).to_be_visible()
    canvas.wait_for_problems([(wait_pay, "duration.invalid")])
    assert "/nodes/5/config/timeout" in page.locator(".tf-panel__errors").inner_text()
    # The problem list leads to the step: clicking the problem selects it.
    canvas.select(ids["start"])
    page.get_by_test_id("problems").get_by_role("button").filter(has_text=wait_pay).click()
    expect(canvas.node(wait_pay)).to_have_class(re.compile(r"\bselected\b"))
    expect(canvas.panel.locator("code").first).to_have_text(wait_pay)

    canvas.set_config_json(wait_pay, wanted_nodes[wait_pay]["config"])
    assert canvas.save() == 200
    expect(page.get_by_test_id("problems")).to_have_count(0)
    expect(canvas.node(wait_pay).locator(".tf-node__badge")).to_have_count(0)

    journey.refresh_from_db()
    stored = journey.definition
    assert stored["nodes"] == wanted["nodes"]
    assert stored["edges"] == wanted["edges"]
    assert stored["settings"] == target["settings"]
    assert stored["schema_version"] == target["schema_version"]
    layout = {key: value for key, value in stored["ui"].items() if key != VIEWPORT_KEY}
    assert layout == {ids[key]: {"x": x, "y": y} for key, (x, y) in FALLBACK_LAYOUT.items()}

    published = canvas.api("POST", f"journeys/{journey.pk}/publish/", {})
    assert published["status"] == 201, published

    page.reload()
    canvas.wait_ready()
    expect(canvas.nodes).to_have_count(len(target["nodes"]))
    expect(canvas.edges).to_have_count(len(target["edges"]))
    reopened = canvas.document()
    assert reopened["nodes"] == stored["nodes"]
    assert reopened["edges"] == stored["edges"]
    assert {key: reopened["ui"][key] for key in layout} == layout
    viewport = reopened["ui"][VIEWPORT_KEY]
    for node_id, position in layout.items():
        on_screen = (
            viewport["x"] + position["x"] * viewport["zoom"],
            viewport["y"] + position["y"] * viewport["zoom"],
        )
        assert screen_offset(canvas, node_id) == pytest.approx(on_screen, abs=1)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "fallback_chain_built_by_hand.png"
    page.screenshot(path=str(shot))
    print(f"screenshot of the finished journey: {shot}")


# A small journey laid out at 100%: start -> sms1 -> done down the left, room on the right.
SMALL = {
    "schema_version": 1,
    "settings": {},
    "nodes": [
        {
            "id": "start",
            "type": "entry",
            "config": {"trigger": {"kind": "event", "event": "signed_up"}},
        },
        {
            "id": "sms1",
            "type": "send",
            "config": {"channel": "sms", "account": "sms-main", "params": {"body": "Welcome"}},
        },
        {"id": "done", "type": "exit"},
    ],
    "edges": [{"from": "start", "to": "sms1"}, {"from": "sms1", "to": "done"}],
    "ui": {
        "start": {"x": 40, "y": 20},
        "sms1": {"x": 40, "y": 180},
        "done": {"x": 40, "y": 340},
        VIEWPORT_KEY: {"x": 0, "y": 0, "zoom": 1},
    },
}


@pytest.fixture
def small_journey(demo_workspace: Workspace) -> Journey:
    return services.create_journey(demo_workspace, name="Welcome", definition=copy.deepcopy(SMALL))


def test_each_edit_is_one_undo_step_and_redo_brings_it_back(
    open_canvas: OpenCanvas, small_journey: Journey
) -> None:
    canvas = CanvasPage(open_canvas(small_journey.pk)).wait_ready()
    added: list[str] = []

    def delete_done() -> None:
        canvas.select("done")
        canvas.delete_selected()

    def type_a_label() -> None:
        canvas.select("sms1")
        field = canvas.panel.get_by_label("Label")
        field.click()
        field.press_sequentially("Reminder", delay=20)  # eight keystrokes, one step

    edits: list[tuple[str, Callable[[], None]]] = [
        ("add", lambda: added.append(canvas.add_step("exit", at=(400, 340)))),
        ("connect", lambda: canvas.connect("sms1", "failed", added[0])),
        ("move", lambda: canvas.move("sms1", by=(120, 40))),
        (
            "config",
            lambda: canvas.set_config_json(
                "start", {"trigger": {"kind": "event", "event": "paid"}}
            ),
        ),
        ("type a label", type_a_label),
        ("delete", delete_done),
    ]
    for name, edit in edits:
        before = canvas.content()
        edit()
        canvas.wait_for_content_change(before)
        after = canvas.content()
        canvas.undo()
        canvas.wait_for_content(before)
        canvas.redo()
        canvas.wait_for_content(after)
        print(f"{name}: one undo step, redone")

    document = canvas.content()
    assert [node["id"] for node in document["nodes"]] == ["start", "sms1", "exit1"]
    assert document["edges"] == [
        {"from": "start", "to": "sms1"},
        {"from": "sms1", "port": "failed", "to": "exit1"},
    ]
    assert document["ui"]["sms1"] == {"x": 160, "y": 220}
    assert document["nodes"][0]["config"] == {"trigger": {"kind": "event", "event": "paid"}}
    assert document["nodes"][1]["label"].endswith("Reminder")


def test_a_conflicting_save_keeps_my_edits_and_lets_me_overwrite_or_discard(
    open_canvas: OpenCanvas, small_journey: Journey
) -> None:
    first = CanvasPage(open_canvas(small_journey.pk)).wait_ready()
    second = CanvasPage(open_canvas(small_journey.pk)).wait_ready()

    first.add_step("exit", at=(400, 340))
    assert first.save() == 200

    second.select("sms1")
    second.panel.get_by_label("Label").fill("Mine")
    assert second.save() == 409
    expect(second.conflict_banner).to_be_visible()
    mine = second.content()
    assert [node.get("label") for node in mine["nodes"]] == [None, "Mine", None]
    assert "exit1" not in second.node_ids()
    expect(second.node("sms1")).to_contain_text("Mine")

    with second.page.expect_response(lambda r: r.request.method == "PATCH") as answer:
        second.page.get_by_role("button", name="Overwrite theirs with mine").click()
    assert answer.value.status == 200
    expect(second.conflict_banner).to_have_count(0)
    expect(second.save_status).to_have_text("All changes saved")
    small_journey.refresh_from_db()
    assert small_journey.definition["nodes"] == mine["nodes"]

    # Now the first page is behind: its next save conflicts, and it takes the stored version.
    first.move("start", by=(100, 0))
    assert first.save() == 409
    expect(first.conflict_banner).to_be_visible()
    first.page.get_by_role("button", name="Discard mine and reload theirs").click()
    expect(first.conflict_banner).to_have_count(0)
    first.wait_for_content(
        {**mine, "ui": {k: v for k, v in mine["ui"].items() if k != VIEWPORT_KEY}}
    )
    expect(first.node("sms1")).to_contain_text("Mine")
    expect(first.nodes).to_have_count(3)
    expect(first.save_status).to_have_text("All changes saved")


def test_a_viewer_sees_the_journey_but_cannot_change_it(
    open_canvas: OpenCanvas, small_journey: Journey
) -> None:
    canvas = CanvasPage(open_canvas(small_journey.pk, role=Role.VIEWER)).wait_ready()
    expect(canvas.page.get_by_text("Read only")).to_be_visible()
    expect(canvas.palette).to_have_count(0)
    expect(canvas.save_button).to_have_count(0)
    before = canvas.content()

    # Dragging a step pans the view instead: the step keeps its place in the journey.
    canvas.move("sms1", by=(150, 60))
    assert canvas.content() == before
    canvas.connect_attempt("sms1", "failed", "done")
    canvas.select("sms1")
    expect(canvas.panel.get_by_label("Label")).not_to_be_editable()
    expect(canvas.open_config_json()).not_to_be_editable()
    canvas.delete_selected()
    canvas.undo()
    expect(canvas.nodes).to_have_count(3)
    expect(canvas.edges).to_have_count(2)
    assert canvas.content() == before

    refused = canvas.api(
        "PATCH", f"journeys/{small_journey.pk}/", {"rev": small_journey.rev, "definition": SMALL}
    )
    assert refused["status"] == 403, refused


def test_delete_removes_a_node_with_its_edges_and_backspace_the_selection(
    open_canvas: OpenCanvas, small_journey: Journey
) -> None:
    canvas = CanvasPage(open_canvas(small_journey.pk)).wait_ready()

    canvas.select_edge("start", "next", "sms1")
    canvas.delete_selected("Backspace")
    expect(canvas.edge("start", "next", "sms1")).to_have_count(0)
    assert canvas.document()["edges"] == [{"from": "sms1", "to": "done"}]

    canvas.select("sms1")
    canvas.delete_selected("Delete")
    expect(canvas.node("sms1")).to_have_count(0)
    expect(canvas.edges).to_have_count(0)
    assert canvas.document()["edges"] == []
    assert "sms1" not in canvas.document()["ui"]

    canvas.select("start")
    canvas.select("done", add=True)
    canvas.delete_selected("Backspace")
    expect(canvas.nodes).to_have_count(0)
    assert canvas.document()["nodes"] == []
    assert canvas.save() == 200
    small_journey.refresh_from_db()
    assert small_journey.definition["nodes"] == []
