"""Fixtures every test area shares: workspaces, keys and authenticated API clients."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import settings
from rest_framework.test import APIClient

from core.models import Workspace
from core.services.apikeys import create_api_key
from journeys.demo import DEMO_SLUG, load_demo

# Property tests have no per-example deadline: Hypothesis's default of 200 ms is a timed
# assertion, and on a loaded 2-core machine a plain example overran it (a flaky failure that
# says nothing about the code).
settings.register_profile("touchflow", deadline=None)
settings.load_profile("touchflow")


@pytest.fixture
def workspace(db: None) -> Workspace:
    return Workspace.objects.create(slug="acme", name="Acme", timezone="Asia/Shanghai")


@pytest.fixture
def demo(db: None) -> Workspace:
    """The demo workspace `make run` loads: its accounts, segments, journeys and contacts."""
    load_demo()
    return Workspace.objects.get(slug=DEMO_SLUG)


@pytest.fixture
def other_workspace(db: None) -> Workspace:
    return Workspace.objects.create(slug="globex", name="Globex", timezone="UTC")


ClientFactory = Callable[..., APIClient]


@pytest.fixture
def make_client(db: None) -> ClientFactory:
    """An API client authenticated with a fresh key of `workspace` holding `scopes`."""

    def make(
        workspace: Workspace, scopes: tuple[str, ...] = ("read", "write", "ingest")
    ) -> APIClient:
        _, raw_key = create_api_key(workspace, scopes=list(scopes), name="test")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        return client

    return make


@pytest.fixture
def api(workspace: Workspace, make_client: ClientFactory) -> APIClient:
    """A client with every scope in `workspace`."""
    return make_client(workspace)


@pytest.fixture
def other_api(other_workspace: Workspace, make_client: ClientFactory) -> APIClient:
    """A client of another workspace, for cross-tenant tests."""
    return make_client(other_workspace)


def _postgres_unreachable_reason() -> str | None:
    """When the suite is pointed at PostgreSQL (the slow tier's matrix), can we reach it?"""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if "postgresql" not in str(database["ENGINE"]):
        return None
    import psycopg

    try:
        psycopg.connect(
            host=str(database.get("HOST") or "127.0.0.1"),
            port=str(database.get("PORT") or 5432),
            user=str(database.get("USER") or "postgres"),
            dbname=str(database.get("NAME") or "postgres"),
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL at {database.get('HOST')}:{database.get('PORT')} is unreachable ({exc})"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from tests.support.system import running_in_ci

    reason = _postgres_unreachable_reason()
    if reason is None:
        return
    message = (
        f"{reason}: install and start PostgreSQL (apt-get install postgresql) or unset DATABASE_URL"
    )
    if running_in_ci():
        raise pytest.UsageError(message)
    for item in items:
        item.add_marker(pytest.mark.skip(reason=message))
