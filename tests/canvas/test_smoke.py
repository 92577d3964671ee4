"""The fast tier's browser check: the canvas opens a real journey, edits it and saves it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from core.models import Workspace
from journeys.models import Journey
from tests.canvas.conftest import OpenCanvas


def test_a_journey_opens_is_edited_saved_and_reopened(
    open_canvas: OpenCanvas, demo_workspace: Workspace
) -> None:
    journey = Journey.objects.get(workspace=demo_workspace, name="Cross-channel fallback chain")
    page = open_canvas(journey.pk)
    nodes = page.locator(".react-flow__node")
    expect(nodes).to_have_count(len(journey.definition["nodes"]))
    expect(page.locator(".react-flow__edge")).to_have_count(len(journey.definition["edges"]))
    expect(page.get_by_text("received", exact=True).first).to_be_visible()
    # The editor fits the window under the back link: the zoom controls are not below the fold.
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    expect(page.get_by_role("button", name="Fit View")).to_be_in_viewport(ratio=1)

    page.get_by_role("button", name="Exit", exact=True).click()
    expect(nodes).to_have_count(len(journey.definition["nodes"]) + 1)
    page.get_by_label("Label").fill("Second exit")

    with page.expect_response(lambda r: r.request.method == "PATCH") as answer:
        page.get_by_role("button", name="Save", exact=True).click()
    assert answer.value.status == 200
    expect(page.get_by_test_id("save-status")).to_have_text("All changes saved")

    journey.refresh_from_db()
    added = [node for node in journey.definition["nodes"] if node["id"] == "exit1"]
    assert added == [{"id": "exit1", "type": "exit", "label": "Second exit"}]
    assert set(journey.definition["ui"]) >= {"exit1", "start"}

    page.reload()
    expect(page.locator(".react-flow__node[data-id='exit1']")).to_contain_text("Second exit")
    # The new exit is unreachable: validation says so on the node and in the list.
    expect(page.locator(".react-flow__node[data-id='exit1'] .tf-node__badge")).to_be_visible()
    problem = page.get_by_test_id("problems").get_by_role("button").filter(has_text="exit1")
    expect(problem).to_be_visible()


def document_of(page: Any) -> dict[str, Any]:
    return page.evaluate("window.__journeyCanvas.getDocument()")
