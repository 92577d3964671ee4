"""Fixtures every test area shares: workspaces, keys and authenticated API clients."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from core.models import Workspace
from core.services.apikeys import create_api_key


@pytest.fixture
def workspace(db: None) -> Workspace:
    return Workspace.objects.create(slug="acme", name="Acme", timezone="Asia/Shanghai")


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
