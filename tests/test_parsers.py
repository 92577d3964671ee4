"""Text PostgreSQL cannot store is refused with a 400 naming where it is, on every database."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.api.parsers import find_unstorable_text
from core.models import Event

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body",
    [
        '{"userId": "u1", "event": "a\\u0000b"}',
        '{"userId": "u1", "event": "ok", "properties": {"k": ["x", "\\ud800"]}}',
        '{"userId": "u1", "event": "ok", "properties": {"\\u0000": 1}}',
    ],
)
def test_nul_and_lone_surrogates_are_a_400(api: APIClient, body: str) -> None:
    response = api.post("/api/v1/track/", body, content_type="application/json")
    assert response.status_code == 400
    assert "NUL character or an unpaired surrogate" in response.json()["detail"]
    assert not Event.objects.exists()


def test_pointer_names_the_offending_value() -> None:
    assert find_unstorable_text({"a": [{"b": "fine"}, {"c": "bad\x00"}]}) == "/a/1/c"
    assert find_unstorable_text({"a": "\U0001f600 paired surrogates are fine"}) is None


@pytest.mark.parametrize(
    "url",
    ["/api/v1/events/?contact=a%00b", "/api/v1/events/?n%00=1", "/api/v1/contacts/a%00b/"],
)
def test_nul_in_the_url_is_a_400(api: APIClient, url: str) -> None:
    assert api.get(url).status_code == 400
