"""A key's `last_used_at` is kept to the minute, so reads do not each write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.models import ApiKey

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)


def key_writes(api: APIClient, at: datetime) -> int:
    with time_machine.travel(at, tick=False), CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/journeys/").status_code == 200
    return sum('UPDATE "core_apikey"' in q["sql"] for q in queries.captured_queries)


def test_last_used_is_written_at_most_once_a_minute(api: APIClient) -> None:
    assert key_writes(api, NOW) == 1
    assert key_writes(api, NOW + timedelta(seconds=59)) == 0
    assert key_writes(api, NOW + timedelta(seconds=60)) == 1
    assert ApiKey.objects.get().last_used_at == NOW + timedelta(seconds=60)
