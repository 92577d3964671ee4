"""Editing on the canvas: clipboard within and across journeys, inserting on an edge, the
lifecycle toolbar (publish, canary, promote, pause, resume) and a published version opened
read-only with its diff against the draft."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from core.models import Workspace
from journeys import services
from journeys.models import Journey
from tests.canvas.conftest import OpenCanvas
from tests.canvas.pages import CanvasPage, box_of
from tests.canvas.test_smoke import document_of

pytestmark = [pytest.mark.slow, pytest.mark.browser]

FALLBACK = "Cross-channel fallback chain"


def node(page: Any, node_id: str) -> Any:
    return page.locator(f".react-flow__node[data-id='{node_id}']")


def select(page: Any, node_id: str) -> None:
    """Selects a node from the keyboard (focus + Enter), wherever the viewport put it."""
    node(page, node_id).focus()
    page.keyboard.press("Enter")


def ids_of(page: Any) -> list[str]:
    return [item["id"] for item in document_of(page)["nodes"]]


def test_copy_paste_within_a_journey_and_into_another(
    open_canvas: OpenCanvas, demo_workspace: Workspace
) -> None:
    journey = Journey.objects.get(workspace=demo_workspace, name=FALLBACK)
    page = open_canvas(journey.pk)
    before = ids_of(page)
    node(page, "push1").click()
    node(page, "wait_open").click(modifiers=["Shift"])
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")

    document = document_of(page)
    assert [item["id"] for item in document["nodes"]] == [*before, "push2", "wait_open1"]
    pasted_wait = next(item for item in document["nodes"] if item["id"] == "wait_open1")
    assert pasted_wait["config"]["where"] == {"node": "push2"}  # follows the copy
    assert {"from": "push2", "to": "wait_open1"} in document["edges"]
    assert not [edge for edge in document["edges"] if edge["from"] == "wait_open1"]
    expect(node(page, "push2")).to_have_class(re.compile(r"\bselected\b"))

    page.keyboard.press("Control+z")  # one paste is one undo step
    assert ids_of(page) == before
    select(page, "done")
    page.keyboard.press("Control+d")
    assert ids_of(page)[-1] == "done1"

    # Another journey in the same browser pastes what was copied here.
    other = Journey.objects.exclude(pk=journey.pk).filter(workspace=demo_workspace).first()
    assert other is not None
    second = page.context.new_page()
    second.goto(page.url.replace(f"/journeys/{journey.pk}/", f"/journeys/{other.pk}/"))
    second.locator(".react-flow__node").first.wait_for()
    count = len(ids_of(second))
    second.locator(".react-flow__pane").click()
    second.keyboard.press("Control+v")
    pasted = ids_of(second)[count:]
    assert [item.rstrip("0123456789") for item in pasted] == ["push", "wait_open"]
    # Typing in a field is not a paste.
    second.keyboard.press("Escape")  # clears the pasted selection
    expect(second.locator(".react-flow__node.selected")).to_have_count(0)
    select(second, pasted[0])
    second.get_by_label("Label").click()
    second.keyboard.press("Control+v")
    assert len(ids_of(second)) == count + 2


def test_a_step_is_inserted_on_an_edge_by_menu_and_by_drop(
    open_canvas: OpenCanvas, demo_workspace: Workspace
) -> None:
    journey = Journey.objects.get(workspace=demo_workspace, name=FALLBACK)
    page = open_canvas(journey.pk)
    label = page.locator(".tf-edge-label[data-edge-id='start:next->push1']")
    label.get_by_role("button", name="Insert a step here").click()
    page.get_by_role("menu").get_by_role("menuitem", name="Wait", exact=True).click()

    edges = document_of(page)["edges"]
    assert {"from": "start", "to": "wait1"} in edges
    assert {"from": "wait1", "to": "push1"} in edges
    assert {"from": "start", "to": "push1"} not in edges
    expect(node(page, "wait1")).to_be_visible()

    page.keyboard.press("Control+z")
    assert {"from": "start", "to": "push1"} in document_of(page)["edges"]

    # The port label is shown, and dropping a palette item on the "+" inserts it there.
    timeout_label = page.locator(".tf-edge-label[data-edge-id='wait_open:timeout->sms1']")
    expect(timeout_label).to_contain_text("timeout")
    page.locator(".tf-palette [data-palette-key='condition']").drag_to(
        timeout_label.get_by_role("button")
    )
    edges = document_of(page)["edges"]
    assert {"from": "wait_open", "port": "timeout", "to": "condition1"} in edges
    assert {"from": "condition1", "port": "yes", "to": "sms1"} in edges


def test_problems_come_and_go_while_editing_and_the_canvas_stays_put(
    open_canvas: OpenCanvas, demo_workspace: Workspace
) -> None:
    """The draft is checked once edits pause, with no save: an unreachable exit shows as a
    problem, undoing it clears the list, and the canvas never moves under the pointer."""
    journey = Journey.objects.get(workspace=demo_workspace, name=FALLBACK)
    page = open_canvas(journey.pk)
    canvas = CanvasPage(page).wait_ready()
    expect(page.get_by_test_id("problems")).to_have_count(0)
    where = box_of(canvas.node("push1"))
    saves: list[str] = []
    page.on("request", lambda r: saves.append(r.url) if r.method == "PATCH" else None)

    canvas.palette.get_by_role("button", name="Exit", exact=True).click()
    canvas.wait_for_problems([("exit1", "node.unreachable")])
    assert box_of(canvas.node("push1")) == where
    expect(canvas.save_status).to_have_text("Unsaved changes")

    canvas.undo()
    expect(page.get_by_test_id("problems")).to_have_count(0)
    assert box_of(canvas.node("push1")) == where
    assert saves == []


def test_publish_refused_then_live_then_canary_promoted_paused_resumed(
    open_canvas: OpenCanvas, demo_workspace: Workspace
) -> None:
    journey = Journey.objects.get(workspace=demo_workspace, name=FALLBACK)
    page = open_canvas(journey.pk)
    status = page.get_by_test_id("journey-status")
    expect(status).to_have_text("draft")

    # An unreachable exit: publishing saves first, the 400's errors land in the problem list.
    page.locator(".tf-palette").get_by_role("button", name="Exit", exact=True).click()
    # The dialog is modal: Tab never reaches a control behind it, Escape closes it.
    page.get_by_role("button", name="Publish…").click()
    dialog = page.get_by_role("dialog")
    for _ in range(8):
        page.keyboard.press("Tab")
        focus = page.evaluate(
            "() => document.activeElement === document.body ? 'none'"
            " : document.activeElement.closest('dialog') ? 'dialog' : 'behind'"
        )
        assert focus != "behind"
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert not journey.versions.exists()
    page.get_by_role("button", name="Publish…").click()
    page.get_by_role("dialog").get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_test_id("problems").filter(has_text="exit1")).to_be_visible()
    assert not journey.versions.exists()

    page.locator(".react-flow__pane").click()
    page.keyboard.press("Control+z")
    page.get_by_role("button", name="Publish…").click()
    page.get_by_role("dialog").get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_test_id("live-version")).to_have_text("Live: v1")
    expect(status).to_have_text("active")

    select(page, "done")
    page.get_by_label("Label").fill("Finished")
    page.get_by_role("button", name="Publish…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Publish as a canary").check()
    dialog.get_by_role("spinbutton").fill("100")
    expect(dialog.get_by_role("button", name="Publish", exact=True)).to_be_disabled()
    dialog.get_by_role("spinbutton").fill("25")
    dialog.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_test_id("canary-version")).to_have_text("Canary: v2 for 25% of new entrants")
    expect(page.get_by_test_id("save-status")).to_have_text("All changes saved")
    journey.refresh_from_db()
    assert journey.canary_percent == 25
    canary = journey.canary_version
    assert canary is not None
    assert [n for n in canary.definition["nodes"] if n["id"] == "done"] == [
        {"id": "done", "type": "exit", "label": "Finished"}
    ]

    page.get_by_role("button", name="Promote canary").click()
    expect(page.get_by_test_id("live-version")).to_have_text("Live: v2")
    expect(page.get_by_test_id("canary-version")).to_have_count(0)
    page.get_by_role("button", name="Pause", exact=True).click()
    expect(status).to_have_text("paused")
    page.get_by_role("button", name="Resume", exact=True).click()
    expect(status).to_have_text("active")

    # The lifecycle calls moved the rev; the canvas followed, so a later save is no conflict.
    select(page, "done")
    page.get_by_label("Label").fill("Finished!")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("save-status")).to_have_text("All changes saved")


def test_a_version_opens_read_only_with_its_diff_and_the_draft_is_kept(
    open_canvas: OpenCanvas, demo_workspace: Workspace
) -> None:
    journey = Journey.objects.get(workspace=demo_workspace, name=FALLBACK)
    services.publish_journey(journey, publisher=services.Publisher())
    draft = journey.definition
    for item in draft["nodes"]:
        if item["id"] == "sms1":
            item["label"] = "Second try"
    Journey.objects.filter(pk=journey.pk).update(definition=draft)

    page = open_canvas(journey.pk)
    page.locator(".tf-palette").get_by_role("button", name="Exit", exact=True).click()
    page.get_by_test_id("version-picker").select_option("1")

    banner = page.get_by_test_id("version-banner")
    expect(banner).to_contain_text("Version 1 (read-only)")
    diff = page.get_by_test_id("version-diff")
    expect(diff.locator("[data-diff='added']")).to_have_text("Added step exit1")
    expect(diff.locator("[data-diff='changed']")).to_have_text("Changed step sms1 (label)")
    expect(node(page, "sms1")).to_have_class(re.compile(r"\btf-diff--changed\b"))
    expect(node(page, "exit1")).to_have_count(0)
    expect(page.locator(".tf-palette")).to_have_count(0)
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)
    expect(page.locator(".tf-edge-label__add")).to_have_count(0)

    select(page, "coupon")
    page.keyboard.press("Delete")
    page.keyboard.press("Control+v")
    expect(node(page, "coupon")).to_be_visible()
    expect(page.get_by_label("Label")).not_to_be_editable()

    banner.get_by_role("button", name="Back to the draft").click()
    expect(banner).to_have_count(0)
    expect(node(page, "exit1")).to_be_visible()
    expect(page.get_by_test_id("save-status")).to_have_text("Unsaved changes")
    assert "exit1" in ids_of(page)


FOCUS_PROBE = """() => {
  const el = document.activeElement;
  const where = el.closest('.tf-toolbar') ? 'toolbar'
    : el.closest('.tf-palette') ? 'palette'
    : el.classList.contains('react-flow__node') ? 'node' : 'other';
  return {where, outline: getComputedStyle(el).outlineStyle, id: el.getAttribute('data-id')};
}"""


def test_tab_reaches_toolbar_palette_and_nodes_with_a_visible_focus_ring(
    open_canvas: OpenCanvas, demo_workspace: Workspace
) -> None:
    journey = Journey.objects.get(workspace=demo_workspace, name=FALLBACK)
    page = open_canvas(journey.pk)
    seen: list[str] = []
    focused: dict[str, Any] = {}
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_PROBE)
        if focused["where"] != "other":
            assert focused["outline"] != "none", focused
            if focused["where"] not in seen:
                seen.append(focused["where"])
        if focused["where"] == "node":
            break
    assert seen == ["toolbar", "palette", "node"]

    panel = page.get_by_role("complementary", name="Step settings")
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    expect(page.locator(".react-flow__node.selected")).to_have_count(0)
    select(page, focused["id"])  # React Flow blurs a node on Escape: focus it again
    expect(panel).to_be_visible()
    page.keyboard.press("Delete")  # React Flow deletes asynchronously: wait for the node to go
    expect(node(page, focused["id"])).to_have_count(0)
    assert focused["id"] not in ids_of(page)
