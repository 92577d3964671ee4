"""Fixtures of the canvas tests: a chromium per session, a signed-in page per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from core.models import Membership, Role, Workspace
from journeys.demo import DEMO_SLUG, load_demo
from tests.canvas.pages import CanvasPage
from tests.support.browser import (
    VIEWPORT,
    RequestsInFlight,
    launched_chromium,
    require_canvas_bundle,
    session_cookie,
)

OpenCanvas = Callable[..., Any]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require_canvas_bundle()
    with launched_chromium() as launched:
        yield launched


@pytest.fixture
def demo_workspace(transactional_db: None) -> Workspace:
    load_demo()
    return Workspace.objects.get(slug=DEMO_SLUG)


def member(workspace: Workspace, username: str, role: str) -> Any:
    user = get_user_model().objects.create_user(username=username, password="x", is_staff=True)
    Membership.objects.create(workspace=workspace, user=user, role=role)
    return user


@pytest.fixture
def signed_in_page(
    browser: Any, live_server: Any, demo_workspace: Workspace
) -> Iterator[Callable[..., Any]]:
    """A blank page signed in as a workspace member with `role`, at the canvas's fixed viewport."""
    contexts: list[Any] = []
    users: dict[str, Any] = {}

    def new_page(role: str = Role.EDITOR, *, locale: str = "en-US") -> Any:
        if role not in users:
            users[role] = member(demo_workspace, f"canvas-{role}", role)
        context = browser.new_context(viewport=VIEWPORT, reduced_motion="reduce", locale=locale)
        contexts.append(context)
        context.add_cookies([session_cookie(users[role], live_server.url)])
        return context.new_page()

    with RequestsInFlight() as in_flight:
        yield new_page
        for context in contexts:
            context.close()
        # Requests the closed pages left behind must finish before the database is flushed.
        in_flight.wait_idle()


@pytest.fixture
def open_canvas(signed_in_page: Callable[..., Any], live_server: Any) -> OpenCanvas:
    """Opens a journey's canvas as a workspace member with `role` (editor by default)."""

    def open_(journey_id: int, role: str = Role.EDITOR, *, locale: str = "en-US") -> Any:
        page = signed_in_page(role, locale=locale)
        page.goto(f"{live_server.url}/journeys/{journey_id}/canvas/")
        # Ready, not just mounted: a click while the opening view is still being set can land
        # on the pane instead of the step it aimed at (seen once in CI on a loaded machine).
        CanvasPage(page).wait_ready()
        return page

    return open_
