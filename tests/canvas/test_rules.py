"""The live preview in the node panel: a demo send node rendered for a demo contact, unsaved
edits previewed from the draft, and a broken template reported beside the field it concerns.

The rule builder and template fields are driven through the form in test_forms.py; their logic
is tested by vitest (frontend_static/tests/rules.test.ts, templateVariables.test.ts)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from core.models import Workspace
from journeys.models import Journey
from tests.canvas.conftest import OpenCanvas
from tests.canvas.pages import CanvasPage

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_a_send_node_previews_for_a_picked_contact_and_follows_unsaved_edits(
    open_canvas: OpenCanvas, demo_workspace: Workspace
) -> None:
    journey = Journey.objects.get(workspace=demo_workspace, name="New-user onboarding drip")
    page = open_canvas(journey.pk)
    previews: list[dict[str, object]] = []
    page.on(
        "request",
        lambda request: (
            previews.append(json.loads(request.post_data or "{}"))
            if request.url.endswith("/preview/")
            else None
        ),
    )
    page.locator(".react-flow__node[data-id='push_features']").click()
    panel = page.get_by_test_id("preview")
    expect(panel).to_be_visible()

    panel.get_by_role("searchbox").fill("demo-l")
    panel.get_by_role("button", name="Li Wei · demo-li").click()
    expect(panel.get_by_test_id("preview-contact")).to_contain_text("demo-li")
    title = panel.locator("[data-field='title'] pre")
    expect(title).to_have_text("Welcome, Li")
    expect(panel.locator("[data-field='body'] pre")).to_have_text("Three features to try today")
    assert len(previews) == 1

    # An unsaved edit previews from the draft the request carries.
    config = CanvasPage(page).open_config_json()
    draft = json.loads(config.input_value())
    draft["params"]["title"] = "Your code: {{ contact.attributes.coupon }}"
    config.fill(json.dumps(draft))
    config.blur()
    expect(title).to_have_text("Your code: VIP20")
    assert len(previews) == 2
    sent = previews[-1]["definition"]
    assert isinstance(sent, dict)
    assert next(n for n in sent["nodes"] if n["id"] == "push_features")["config"] == draft
    journey.refresh_from_db()
    assert "Welcome" in json.dumps(journey.definition)  # nothing was saved

    # A template that does not compile is reported beside its field; the others still render.
    draft["params"]["title"] = "{{ contact.first_name | no_such_filter }}"
    config.fill(json.dumps(draft))
    config.blur()
    title_field = panel.locator("[data-field='title']")
    expect(title_field.locator("[data-code='template.syntax']")).to_contain_text(
        "/nodes/1/config/params/title"
    )
    expect(title_field).to_contain_text("(not rendered)")
    expect(panel.locator("[data-field='body'] pre")).to_have_text("Three features to try today")

    # Another send node previews for the contact already picked.
    page.locator(".react-flow__node[data-id='push_tips']").click()
    expect(panel.get_by_test_id("preview-contact")).to_contain_text("demo-li")
    expect(panel.locator("[data-field='title'] pre")).to_have_text("Tips")
