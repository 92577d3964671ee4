"""Configuring steps and the journey through the generated forms, then saving what they wrote."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.models import Role, Workspace
from journeys.models import Journey
from tests.canvas.conftest import OpenCanvas

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_send_wait_event_and_settings_are_configured_through_forms(
    open_canvas: OpenCanvas, demo_workspace: Workspace
) -> None:
    journey = Journey.objects.get(workspace=demo_workspace, name="Cross-channel fallback chain")
    settings_before = journey.definition["settings"]
    assert settings_before["frequency_cap"]["channels"] == ["push", "sms"]
    page = open_canvas(journey.pk)
    panel = page.get_by_role("complementary", name="Step settings")

    # A send node: the account comes from the workspace's SMS accounts, params from SMS's schema.
    page.get_by_role("button", name="SMS", exact=True).click()
    form = panel.get_by_test_id("schema-form")
    expect(form.get_by_label("Channel").locator("option:checked")).to_have_text("SMS")
    account = form.get_by_label("Account")
    expect(account.locator("option")).to_have_text(
        ["Choose…", "sms-enterprise (sandbox)", "sms-main (sandbox)"]
    )
    account.select_option("sms-enterprise")
    form.get_by_label("Body", exact=True).fill("Hi ")
    # Each template field's "Insert variable" is named after its field; the pick lands at the
    # cursor.
    form.get_by_role("button", name="Insert variable into Body").click()
    form.get_by_role("group", name="Variables").get_by_role(
        "button", name="contact.first_name", exact=True
    ).click()
    expect(form.get_by_label("Body", exact=True)).to_have_value("Hi {{ contact.first_name }}")
    form.get_by_label("Template code", exact=True).fill(
        ""
    )  # an emptied optional field is not saved as ""

    # A wait for event: the where filter's node key offers the journey's send nodes.
    page.get_by_role("button", name="Wait for event", exact=True).click()
    form = panel.get_by_test_id("schema-form")
    form.get_by_label("Event", exact=True).fill("message.clicked")
    form.get_by_role("button", name="Add row").click()
    form.get_by_label("Where key 1").fill("node")
    node_choice = form.get_by_label("Where value 1")
    expect(node_choice.locator("option")).to_have_text(["Choose…", "push1", "sms1", "sms2"])
    node_choice.select_option("sms2")
    form.get_by_label("Timeout unit").select_option("days")
    form.get_by_label("Timeout amount").fill("2")

    # Journey settings, undoable like node edits.
    page.get_by_role("button", name="Journey settings").click()
    settings = page.get_by_role("complementary", name="Journey settings")
    settings.get_by_label("Re-entry", exact=True).select_option("after")
    settings.get_by_label("Re-entry after unit").select_option("weeks")
    settings.get_by_label("Re-entry after amount").fill("1")
    settings.get_by_label("Quiet hours start").fill("21:30")
    expect(settings.get_by_role("checkbox", name="SMS")).to_be_checked()
    settings.get_by_role("checkbox", name="Email").check()
    settings.get_by_role("checkbox", name="Email").uncheck()
    page.get_by_role("button", name="Undo").click()  # undoes the uncheck only
    expect(settings.get_by_role("checkbox", name="Email")).to_be_checked()

    with page.expect_response(lambda r: r.request.method == "PATCH") as answer:
        page.get_by_role("button", name="Save", exact=True).click()
    assert answer.value.status == 200

    journey.refresh_from_db()
    nodes = {node["id"]: node for node in journey.definition["nodes"]}
    assert nodes["sms2"]["config"] == {
        "channel": "sms",
        "params": {"body": "Hi {{ contact.first_name }}"},
        "account": "sms-enterprise",
    }
    assert nodes["wait_event1"]["config"] == {
        "event": "message.clicked",
        "where": {"node": "sms2"},
        "timeout": "P2D",
    }
    assert journey.definition["settings"] == {
        **settings_before,
        "reentry": "after",
        "reentry_after": "P1W",
        "quiet_hours": {"start": "21:30", "end": "08:00"},
        "frequency_cap": {"max": 1, "per": "P1D", "channels": ["push", "sms", "email"]},
    }


def test_wait_choice_webhook_rows_and_a_read_only_form(
    open_canvas: OpenCanvas, demo_workspace: Workspace
) -> None:
    journey = Journey.objects.get(workspace=demo_workspace, name="Cross-channel fallback chain")
    page = open_canvas(journey.pk)
    panel = page.get_by_role("complementary", name="Step settings")

    # A wait takes exactly one of duration, until and until_time: choosing one drops the others.
    page.get_by_role("button", name="Wait", exact=True).click()
    form = panel.get_by_test_id("schema-form")
    form.get_by_label("Duration amount").fill("90")
    form.get_by_label("Duration unit").select_option("minutes")
    form.get_by_label("Give one of").select_option("until_time")
    expect(form.get_by_label("Duration amount")).to_have_count(0)
    form.get_by_label("Until time of day").fill("08:30")

    # The webhook's headers are rows; its body, an object, stays JSON and is kept as it was.
    page.locator(".react-flow__node[data-id='coupon']").click()
    form = panel.get_by_test_id("schema-form")
    expect(form.get_by_label("Method")).to_have_value("POST")
    form.get_by_role("button", name="Add row").click()
    form.get_by_label("Headers key 1").fill("X-Source")
    form.get_by_label("Headers value 1", exact=True).fill("touchflow")

    document = page.evaluate("window.__journeyCanvas.getDocument()")
    nodes = {node["id"]: node for node in document["nodes"]}
    assert nodes["wait1"]["config"] == {"until_time": "08:30"}
    assert nodes["coupon"]["config"] == {
        "url": "http://127.0.0.1:8765/inapp/coupon",
        "method": "POST",
        "body": {"user": "{{ contact.external_id }}", "coupon": "MEMBER20"},
        "headers": {"X-Source": "touchflow"},
    }

    # A viewer sees the same form, disabled.
    viewer = open_canvas(journey.pk, role=Role.VIEWER)
    viewer.locator(".react-flow__node[data-id='wait_open']").click()
    form = viewer.get_by_role("complementary", name="Step settings").get_by_test_id("schema-form")
    expect(form.get_by_label("Event", exact=True)).to_have_value("message.opened")
    expect(form.get_by_label("Event", exact=True)).to_be_disabled()
    expect(form.get_by_label("Timeout amount")).to_have_value("2")
    expect(form.get_by_label("Timeout unit")).to_have_value("hours")
    expect(form.get_by_label("Where value 1")).to_be_disabled()
    expect(form.get_by_role("button", name="Add row")).to_have_count(0)
