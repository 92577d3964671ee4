"""Results on the canvas: live stats drawn on the nodes, and a dry run started from the canvas.

The demo's A/B/C journey is published and really run (the contacts' `cart_abandoned` events go
through the ingestion API, then one tick walks and dispatches), so the figures the page shows
are the stats endpoint's own; the simulation is run by the page through the real endpoint.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.models import Workspace
from journeys.demo import DEMO_CONTACTS
from journeys.engine.tick import tick
from journeys.models import Journey
from tests.canvas.conftest import OpenCanvas
from tests.conftest import ClientFactory

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SLOW = 120_000  # ms


def run_for_demo_contacts(api: Any, journey: Journey) -> list[str]:
    """Publish `journey`, let every demo contact abandon a cart, tick: who entered."""
    published = api.post(f"/api/v1/journeys/{journey.pk}/publish/", {}, format="json")
    assert published.status_code == 201, published.content
    who = [contact["external_id"] for contact in DEMO_CONTACTS]
    for external_id in who:
        body = {
            "userId": external_id,
            "event": "cart_abandoned",
            "properties": {"product_name": "X"},
        }
        assert api.post("/api/v1/track/", body, format="json").status_code == 200
    tick(timezone.now())
    return who


def figure(page: Any, node_id: str, name: str) -> Any:
    return page.locator(f".react-flow__node[data-id='{node_id}'] [data-figure='{name}'] dd")


def test_live_stats_and_a_simulation_are_drawn_on_the_nodes(
    open_canvas: OpenCanvas, demo_workspace: Workspace, make_client: ClientFactory
) -> None:
    journey = Journey.objects.get(workspace=demo_workspace, name="Hesitating buyers A/B/C test")
    entered = run_for_demo_contacts(make_client(demo_workspace), journey)
    page = open_canvas(journey.pk)

    results = page.get_by_test_id("results")
    expect(results.get_by_test_id("results-source")).to_have_text("Live stats")
    expect(results).to_contain_text("v1")
    expect(figure(page, "start", "entered")).to_have_text(str(len(entered)))
    expect(figure(page, "ab", "entered")).to_have_text(str(len(entered)))
    # The split's variants show how many took each and their share; together, everyone.
    variants = page.locator(".react-flow__node[data-id='ab'] .tf-port-figure")
    expect(variants).to_have_count(3)
    taken = [int(text.split(" · ")[0]) for text in variants.all_inner_texts()]
    assert sum(taken) == len(entered)
    assert all(text.endswith("%") for text in variants.all_inner_texts())
    expect(figure(page, "discount", "sent")).to_be_visible()

    page.get_by_label("Show figures").uncheck()
    expect(page.get_by_test_id("node-figures")).to_have_count(0)
    page.get_by_label("Show figures").check()
    expect(figure(page, "start", "entered")).to_have_text(str(len(entered)))

    page.get_by_role("button", name="Simulate…").click()
    form = page.get_by_role("form", name="Simulate")
    form.get_by_label("Contacts").fill("40")
    form.get_by_label("Days").fill("2")
    # The first run of a process may build the simulation's template database: allow for it.
    simulated_answer = page.expect_response(lambda r: r.url.endswith("/simulate/"), timeout=SLOW)
    with simulated_answer as answer:
        form.get_by_role("button", name="Run simulation").click()
    assert answer.value.status == 200
    expect(results.get_by_test_id("results-source")).to_have_text("Simulation (not real data)")
    expect(
        page.locator("[data-testid='node-figures'][data-source='simulation']").first
    ).to_be_visible()
    expect(figure(page, "start", "entered")).to_have_text("40")
    simulated = page.locator(".react-flow__node[data-id='ab'] .tf-port-figure").all_inner_texts()
    assert sum(int(text.split(" · ")[0]) for text in simulated) == 40

    results.get_by_role("button", name="Back to live stats").click()
    expect(results.get_by_test_id("results-source")).to_have_text("Live stats")
    expect(figure(page, "start", "entered")).to_have_text(str(len(entered)))


def test_a_simulation_the_server_refuses_lists_its_errors(
    open_canvas: OpenCanvas, demo_workspace: Workspace
) -> None:
    journey = Journey.objects.get(workspace=demo_workspace, name="Hesitating buyers A/B/C test")
    page = open_canvas(journey.pk)
    page.get_by_role("button", name="Simulate…").click()
    form = page.get_by_role("form", name="Simulate")
    form.get_by_label("Contacts").fill("30000")  # over the server's population limit
    form.evaluate("form => form.noValidate = true")
    with page.expect_response(lambda r: r.url.endswith("/simulate/")) as answer:
        form.get_by_role("button", name="Run simulation").click()
    assert answer.value.status == 400
    expect(page.get_by_test_id("problems")).to_contain_text("20000")
    expect(page.get_by_test_id("results-source")).to_have_text("Live stats")
