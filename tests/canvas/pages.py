"""A page object over the journey canvas, so browser tests speak in steps, ports and documents.

Every gesture is a real one: steps come from the palette by HTML5 drag and drop, edges by
dragging from a port's handle to the target's input, moves by dragging the node. xyflow only
notices a drag after several pointer moves (xyflow #4775), so every drag moves in `DRAG_STEPS`
steps; the fixed viewport and reduced motion of `open_canvas` keep coordinates repeatable.
Each method waits for the canvas to show its effect, so a test never sleeps.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Locator, Page, Response, expect

DRAG_STEPS = 12
# The configuration textarea: "Configuration (JSON)" now, "Advanced (JSON)" beside a schema form.
CONFIG_LABEL = re.compile(r"^(Configuration|Advanced) \(JSON\)$")
CONFIG_SECTION = re.compile(r"(Configuration|Advanced) \(JSON\)")
VIEWPORT_KEY = "$viewport"


@dataclass(frozen=True)
class Problem:
    """One validation problem as the problem list shows it."""

    code: str
    node_id: str | None
    text: str


class CanvasPage:
    """The canvas of one journey in one browser page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.pane = page.locator(".react-flow__pane")
        self.nodes = page.locator(".react-flow__node")
        self.edges = page.locator(".react-flow__edge")
        self.palette = page.get_by_role("navigation", name="Steps")
        self.panel = page.get_by_role("complementary", name="Step settings")
        self.save_button = page.get_by_role("button", name="Save", exact=True)
        self.save_status = page.get_by_test_id("save-status")
        self.conflict_banner = page.locator(".tf-banner--conflict")

    # Locators -----------------------------------------------------------------------------

    def node(self, node_id: str) -> Locator:
        return self.page.locator(f".react-flow__node[data-id='{node_id}']")

    def edge(self, source_id: str, port: str, target_id: str) -> Locator:
        return self.page.locator(f".react-flow__edge[data-id='{source_id}:{port}->{target_id}']")

    def handle(self, node_id: str, handle_id: str) -> Locator:
        return self.page.locator(
            f".react-flow__handle[data-nodeid='{node_id}'][data-handleid='{handle_id}']"
        )

    def palette_item(self, key_or_title: str) -> Locator:
        by_key = self.palette.locator(f"[data-palette-key='{key_or_title}']")
        by_title = self.palette.get_by_role("button", name=key_or_title, exact=True)
        return by_key.or_(by_title)

    def config_textarea(self) -> Locator:
        return self.panel.get_by_role("textbox", name=CONFIG_LABEL)

    # Reading ------------------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        """The document the canvas would save now."""
        document: dict[str, Any] = self.page.evaluate("window.__journeyCanvas.getDocument()")
        return document

    def content(self) -> dict[str, Any]:
        """The document without the viewport: what undo, redo and saving must keep exact."""
        document = self.document()
        ui = {key: value for key, value in document.get("ui", {}).items() if key != VIEWPORT_KEY}
        return {**document, "ui": ui}

    def wait_for_content(self, expected: dict[str, Any], timeout_ms: int = 5000) -> None:
        """Waits until the canvas's content (see `content`) is `expected`; React applies a
        keystroke's edit on its next render, not within the key press."""
        waited = 0
        while (current := self.content()) != expected:
            assert waited < timeout_ms, f"the canvas holds {current}, not {expected}"
            self.page.wait_for_timeout(50)
            waited += 50

    def wait_for_content_change(self, before: dict[str, Any], timeout_ms: int = 5000) -> None:
        """Waits until the canvas's content differs from `before`."""
        waited = 0
        while self.content() == before:
            assert waited < timeout_ms, "the canvas did not change"
            self.page.wait_for_timeout(50)
            waited += 50

    def node_ids(self) -> list[str]:
        return [node["id"] for node in self.document()["nodes"]]

    def position(self, node_id: str) -> dict[str, float]:
        position: dict[str, float] = self.document()["ui"][node_id]
        return position

    def problems(self) -> list[Problem]:
        """The problem list: graph-wide problems first, then one per node problem. Read in one
        go: the list is replaced whenever an edit is checked."""
        entries = self.page.get_by_test_id("problems").locator(".tf-errors__graph, li")
        read = entries.evaluate_all(
            """entries => entries.map(entry => ({
                code: entry.getAttribute("data-code") || "",
                node_id: entry.querySelector("strong")?.innerText ?? null,
                text: entry.innerText,
            }))"""
        )
        return [Problem(**entry) for entry in read]

    def wait_for_problems(
        self, expected: list[tuple[str | None, str]], timeout_ms: int = 5000
    ) -> list[Problem]:
        """Waits until the problem list holds `expected` (node id, code) pairs, in order: the
        draft is checked while it is edited, so an answer about an earlier edit may still be
        showing until the newest one arrives."""
        waited = 0
        while True:
            found = self.problems()
            if [(problem.node_id, problem.code) for problem in found] == expected:
                return found
            assert waited < timeout_ms, f"the problem list holds {found}, not {expected}"
            self.page.wait_for_timeout(50)
            waited += 50

    # Gestures -----------------------------------------------------------------------------

    def wait_ready(self) -> CanvasPage:
        """Waits for the validation the canvas runs on opening (a read-only canvas gains a column
        of problems beside it) and until every node is measured (xyflow hides nodes until it
        knows their size)."""
        self.page.locator(".tf-editor").wait_for()
        self.page.wait_for_load_state("networkidle")
        for node in self.nodes.all():
            expect(node).to_have_css("visibility", "visible")
        return self

    def add_step(self, key_or_title: str, at: tuple[float, float]) -> str:
        """Drags a palette item onto the pane; `at` is the drop point (the node's top-left
        corner) in pixels from the pane's top-left. Returns the new node's id."""
        before = set(self.node_ids())
        self.palette_item(key_or_title).drag_to(
            self.pane, target_position={"x": at[0], "y": at[1]}, steps=DRAG_STEPS
        )
        expect(self.nodes).to_have_count(len(before) + 1)
        (added,) = set(self.node_ids()) - before
        expect(self.node(added)).to_have_css("visibility", "visible")
        return added

    def connect(self, source_id: str, port: str, target_id: str) -> None:
        """Drags from the source's `port` handle to the target's input handle."""
        self._drag(self.handle(source_id, port), self.handle(target_id, "in"))
        expect(self.edge(source_id, port, target_id)).to_have_count(1)

    def connect_attempt(self, source_id: str, port: str, target_id: str) -> None:
        """The connecting gesture without expecting an edge (for read-only canvases)."""
        self._drag(self.handle(source_id, port), self.handle(target_id, "in"))

    def move(self, node_id: str, by: tuple[float, float]) -> None:
        """Drags a node by its title, `by` pixels on screen. xyflow starts a node drag on the
        first pointer move and measures from there, so a 1 px nudge starts it first."""
        grip = self.node(node_id).locator(".tf-node__type")
        box = box_of(grip)
        x, y = box["x"] + 10, box["y"] + box["height"] / 2
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        self.page.mouse.move(x + 1, y + 1)
        self.page.mouse.move(x + 1 + by[0], y + 1 + by[1], steps=DRAG_STEPS)
        self.page.mouse.up()

    def select(self, node_id: str, *, add: bool = False) -> None:
        """Clicks a node (with Shift to add it to the selection)."""
        self.node(node_id).locator(".tf-node__type").click(modifiers=["Shift"] if add else None)
        expect(self.node(node_id)).to_have_class(re.compile(r"\bselected\b"))

    def select_edge(self, source_id: str, port: str, target_id: str) -> None:
        """Clicks an edge halfway between its ends (an edge's own box can be zero wide, and a
        default bezier edge passes through the midpoint of its handles)."""
        source = box_of(self.handle(source_id, port))
        target = box_of(self.handle(target_id, "in"))
        self.page.mouse.click(
            (source["x"] + source["width"] / 2 + target["x"] + target["width"] / 2) / 2,
            (source["y"] + source["height"] / 2 + target["y"] + target["height"] / 2) / 2,
        )
        expect(self.edge(source_id, port, target_id)).to_have_class(re.compile(r"\bselected\b"))

    def delete_selected(self, key: str = "Delete") -> None:
        self._leave_fields()
        self.page.keyboard.press(key)

    def undo(self) -> None:
        self._leave_fields()
        self.page.keyboard.press("Control+z")

    def redo(self) -> None:
        self._leave_fields()
        self.page.keyboard.press("Control+Shift+z")

    def open_config_json(self) -> Locator:
        """Opens the selected node's collapsed "Advanced (JSON)" section (a closed <details>
        hides its textarea from role queries), as a user would, and returns the textarea."""
        summary = self.panel.locator("details > summary").filter(has_text=CONFIG_SECTION)
        if summary.count() and summary.locator("xpath=..").get_attribute("open") is None:
            summary.click()
        return self.config_textarea()

    def set_config_json(self, node_id: str, config: dict[str, Any]) -> None:
        """Replaces a node's configuration through the panel's JSON textarea."""
        self.select(node_id)
        textarea = self.open_config_json()
        textarea.fill(json.dumps(config, indent=2))
        textarea.blur()
        # The JSON section's own alert would say the text was refused. The form's fields may
        # still show the last validation's messages: like the problem list, a save refreshes them.
        expect(textarea.locator("xpath=..").get_by_role("alert")).to_have_count(0)
        applied = next(n for n in self.document()["nodes"] if n["id"] == node_id)
        assert applied.get("config") == config, applied

    def save(self) -> int:
        """Presses Save and returns the status of the PATCH it sent."""
        with self.page.expect_response(_is_save) as answer:
            self.save_button.click()
        status: int = answer.value.status
        if status == 200:
            expect(self.save_status).to_have_text("All changes saved")
        return status

    def api(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """Calls the REST API as this page's user (session, CSRF, workspace), like the app."""
        answer: dict[str, Any] = self.page.evaluate(
            """async ([method, path, body]) => {
                const root = document.getElementById("journey-canvas").dataset;
                const headers = {"X-CSRFToken": root.csrf, "X-Touchflow-Workspace": root.workspace,
                                 "Content-Type": "application/json"};
                const response = await fetch(root.api + path, {method, headers,
                    body: body === null ? undefined : JSON.stringify(body)});
                return {status: response.status, body: await response.json().catch(() => null)};
            }""",
            [method, path, body],
        )
        return answer

    # Internals ----------------------------------------------------------------------------

    def _drag(self, source: Locator, target: Locator) -> None:
        source.hover()
        self.page.mouse.down()
        box = box_of(target)
        self.page.mouse.move(
            box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=DRAG_STEPS
        )
        self.page.mouse.up()

    def _leave_fields(self) -> None:
        """Keyboard shortcuts do not fire while typing: move focus out of any panel field
        (its blur applies what was typed, as a user's click on the canvas would)."""
        self.page.evaluate(
            "document.activeElement instanceof HTMLElement && "
            "['INPUT','TEXTAREA','SELECT'].includes(document.activeElement.tagName) && "
            "document.activeElement.blur()"
        )


def _is_save(response: Response) -> bool:
    return response.request.method == "PATCH" and "/journeys/" in response.url


def box_of(locator: Locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not on screen"
    return {"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"]}
