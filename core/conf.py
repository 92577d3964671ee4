"""Touchflow's own settings, read through one object with defaults.

Code asks `touchflow_settings.PUBLIC_URL`, never `settings.TOUCHFLOW[...]`, so every knob has
one default, one type and one place to look (the pattern of DRF's `api_settings`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Base of every link Touchflow puts in messages (tracking, unsubscribe, receipts).
    "PUBLIC_URL": "http://127.0.0.1:8000",
    # A journey document larger than this (serialized JSON) is refused with 413.
    "MAX_DOCUMENT_BYTES": 1_000_000,
    # Any request body larger than this is refused with 413 before it is read.
    "MAX_REQUEST_BYTES": 32_000_000,
    # A receipt request (POST /hooks/…) larger than this is refused with 413.
    "MAX_RECEIPT_BYTES": 5_000_000,
    # Items accepted by one /batch/ or /contacts/bulk/ call.
    "MAX_BATCH_ITEMS": 10_000,
    # Events older than this are stored but enroll no one (JOURNEY_FORMAT.md §2).
    "ENTRY_MAX_EVENT_AGE": timedelta(days=1),
    # A file holding a clock offset in seconds, read by every process (see core.clock).
    "CLOCK_OFFSET_FILE": "",
    # Plugin names to allow (empty: all) and to block, for the channel plugin manager.
    "PLUGINS_ALLOW": [],
    "PLUGINS_BLOCK": [],
    # Whether third-party plugins are discovered through the `touchflow` entry-point group.
    "LOAD_ENTRY_POINTS": True,
    # Whether webhook nodes' calls are made; a simulation turns this off, so its run, like its
    # sandbox accounts, can reach no one (a skipped call is recorded as sent "simulated").
    "DELIVER_WEBHOOKS": True,
    # Networks webhook nodes may not call: a URL whose host is, or resolves to, an address in
    # one of them fails as a configuration error before any connection is made. The default
    # holds the link-local range and the cloud metadata addresses (AWS, GCP, Azure and Alibaba
    # Cloud serve instance credentials there); add your internal ranges ("10.0.0.0/8", ...)
    # when marketers must not reach them. Loopback and private ranges are allowed by default
    # because self-hosted journeys often call services beside Touchflow.
    "WEBHOOK_BLOCKED_NETWORKS": [
        "0.0.0.0/8",
        "169.254.0.0/16",
        "100.100.100.200/32",
        "::/128",
        "fe80::/10",
        "fd00:ec2::254/128",
    ],
    # Contacts scanned per query by segment previews.
    "SEGMENT_SCAN_BATCH": 1_000,
    # Simulations up to this size (contacts x weeks) run while the request waits; larger ones
    # are queued and polled.
    "SIMULATION_SYNC_WORK": 500,
    # Time limits in seconds for a simulation run while the request waits (under gunicorn's
    # 30-second worker timeout), and for a queued one.
    "SIMULATION_SYNC_TIMEOUT": 25,
    "SIMULATION_TIMEOUT": 600,
    # Distinct moments a simulation may stop its virtual clock at before it reports early.
    "SIMULATION_MAX_MOMENTS": 20_000,
}


class TouchflowSettings:
    """Attribute access to `settings.TOUCHFLOW` merged over `DEFAULTS`.

    Nothing is cached, so `override_settings(TOUCHFLOW=...)` takes effect at once.
    """

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown Touchflow setting: {name}")
        user_settings: dict[str, Any] = getattr(settings, "TOUCHFLOW", {})
        return user_settings.get(name, DEFAULTS[name])


touchflow_settings = TouchflowSettings()
