"""The canvas in Chinese: a zh-CN browser gets the toolbar, palette and nodes in Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.models import Workspace
from journeys.models import Journey
from tests.canvas.conftest import OpenCanvas

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_a_chinese_browser_gets_the_canvas_in_chinese(
    open_canvas: OpenCanvas, demo_workspace: Workspace
) -> None:
    journey = Journey.objects.get(workspace=demo_workspace, name="Cross-channel fallback chain")
    page = open_canvas(journey.pk, locale="zh-CN")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    for name in ("撤销", "重做", "自动布局", "保存"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(page.get_by_test_id("journey-status")).to_have_text("草稿")
    expect(page.get_by_test_id("save-status")).to_have_text("所有修改已保存")

    palette = page.get_by_role("navigation", name="节点")
    for title in ("入口", "短信", "等待事件", "分流", "退出"):
        expect(palette.get_by_role("button", name=title, exact=True)).to_be_visible()
    # Node titles and port names come from the API and are translated on the client too.
    expect(page.locator(".tf-node__type").filter(has_text="等待事件").first).to_be_visible()
    expect(page.locator(".tf-port__label").filter(has_text="超时").first).to_be_visible()
    expect(page.get_by_role("button", name="Undo", exact=True)).to_have_count(0)
