"""Headless Debian chromium for the canvas tests, driven by Playwright's sync API.

Playwright never downloads a browser here: it launches /usr/bin/chromium (Debian's package).
A missing chromium or an unbuilt canvas bundle skips with what to do, and fails under CI=true.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.models import User
from django.test import Client

from journeys.canvas.assets import manifest_path
from tests.support.system import missing

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}


def chromium_executable() -> str:
    path = os.environ.get("TOUCHFLOW_CHROMIUM") or shutil.which("chromium") or ""
    if not path:
        missing("Debian's chromium", "apt-get install -y chromium")
    return path


def require_canvas_bundle() -> None:
    if not manifest_path().exists():
        missing("the built canvas", "run `make canvas` (npm ci and the Vite build)")


@contextmanager
def launched_chromium() -> Iterator[object]:
    """A headless chromium for a whole test session."""
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    # Playwright's sync API runs an event loop on this thread; the ORM calls tests make between
    # browser steps are still synchronous, so Django's async-safety guard must stand aside.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def session_cookie(user: User, url: str) -> dict[str, str]:
    """A signed-in session for `user`, as a cookie the browser can carry to `url`."""
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}
