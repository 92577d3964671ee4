"""Headless Debian chromium for the canvas tests, driven by Playwright's sync API.

Playwright never downloads a browser here: it launches /usr/bin/chromium (Debian's package).
A missing chromium or an unbuilt canvas bundle skips with what to do, and fails under CI=true.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
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


class RequestsInFlight:
    """Counts the live server's requests being answered (it runs in this process's threads).

    A page closed mid-request (a stats poll, a debounced preview) leaves the server answering it
    while the test's database is flushed; on SQLite the flush then fails on the lock and the next
    test starts on stale rows. Tests wait for the count to reach zero before the flush.
    """

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)

    def __enter__(self) -> RequestsInFlight:
        request_started.connect(self._started, dispatch_uid=id(self))
        request_finished.connect(self._finished, dispatch_uid=id(self))
        return self

    def __exit__(self, *exc: object) -> None:
        request_started.disconnect(dispatch_uid=id(self))
        request_finished.disconnect(dispatch_uid=id(self))

    def _started(self, **_: object) -> None:
        with self._lock:
            self._count += 1

    def _finished(self, **_: object) -> None:
        with self._lock:
            self._count -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 15.0) -> None:
        with self._lock:
            if not self._idle.wait_for(lambda: self._count <= 0, timeout=timeout):
                raise AssertionError(f"{self._count} live-server request(s) still running")
