"""API fuzzing: schemathesis generates requests from our OpenAPI document; none may be a 500.

Every operation is exercised with valid and invalid bodies, odd path parameters and query
strings, as a workspace key with every scope. A 500 is a bug (DEVELOPERS.md), whatever the input.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from core.models import Workspace
from core.services.apikeys import create_api_key
from core.wsgi import application

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """Requests go straight to the WSGI handler, which would close the test's connection
    (and its open transaction) after each request; Django's own test client does the same."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(db: None) -> dict[str, str]:
    workspace = Workspace.objects.create(slug="fuzz", name="Fuzz")
    _, raw_key = create_api_key(workspace, name="fuzz")
    return {"Authorization": f"Bearer {raw_key}"}


@schema.parametrize()
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_makes_a_server_error(case: Any, auth_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=auth_headers, checks=[not_a_server_error])
