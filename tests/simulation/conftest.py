"""Shared pieces of the simulation tests: the demo workspace and a way to simulate in it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from channels_plugins.services import create_account
from core.models import Workspace
from core.services.segments import create_segment
from journeys.demo import DEMO_ACCOUNTS, DEMO_DIR, DEMO_JOURNEYS, DEMO_SLUG
from journeys.models import Journey
from journeys.services import create_journey
from tests.conftest import ClientFactory

# 09:00 in Shanghai, the demo workspace's zone: outside its quiet hours.
START = "2026-11-02T01:00:00+00:00"
FALLBACK = "Cross-channel fallback chain"
ONBOARDING = "New-user onboarding drip"


@pytest.fixture
def demo(db: None) -> Workspace:
    """The demo workspace's accounts, segments and journeys (drafts), without its users and
    contacts: `load_demo` hashes a password, which would cost most of each quick test."""
    workspace = Workspace.objects.create(
        slug=DEMO_SLUG,
        name="Demo",
        timezone="Asia/Shanghai",
        quiet_hours={"start": "22:00", "end": "08:00"},
    )
    for name, channel in DEMO_ACCOUNTS.items():
        create_account(workspace, name=name, channel=channel, provider="sandbox", config={})
    for key, rule in json.loads((DEMO_DIR / "segments.json").read_text()).items():
        create_segment(workspace, key=key, rule=rule)
    for file_name, title in DEMO_JOURNEYS.items():
        definition = json.loads((DEMO_DIR / file_name).read_text())
        create_journey(workspace, name=title, definition=definition)
    return workspace


@pytest.fixture
def demo_api(demo: Workspace, make_client: ClientFactory) -> APIClient:
    return make_client(demo)


@pytest.fixture
def run_now() -> Any:
    """Every run answers synchronously, whatever its size, with time to finish on a machine
    busy with the rest of the suite."""
    sync = {"SIMULATION_SYNC_WORK": 1_000_000, "SIMULATION_SYNC_TIMEOUT": 600}
    with override_settings(TOUCHFLOW=sync):
        yield


def journey_id(workspace: Workspace, name: str) -> int:
    return Journey.objects.get(workspace=workspace, name=name).pk


def simulate(api: APIClient, journey: int, body: dict[str, Any]) -> Any:
    return api.post(f"/api/v1/journeys/{journey}/simulate/", body, format="json")


def open_push_script(p: float = 0.3) -> list[dict[str, Any]]:
    return [{"event": "message.opened", "node": "push1", "p": p, "within": "PT1H"}]
