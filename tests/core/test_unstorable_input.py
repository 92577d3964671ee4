"""Input that parses but cannot be stored or used is a 400, never a 500.

`1e400` is valid JSON that Python reads as infinity, which neither SQLite's JSON check nor
PostgreSQL's jsonb accepts; time-zone names reach the file system through ZoneInfo; durations
can overflow a timedelta or the calendar.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from core.models import Contact, Event, Segment, Workspace
from core.services.contacts import upsert_contact
from core.services.events import track

pytestmark = pytest.mark.django_db

INFINITY = "1e400"


def send_raw(api: APIClient, url: str, body: str, method: str = "POST") -> Any:
    api.raise_request_exception = False
    return api.generic(method, url, body, content_type="application/json")


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/contacts/", f'{{"external_id": "u1", "attributes": {{"x": {INFINITY}}}}}'),
        ("/api/v1/contacts/", f'{{"external_id": "u1", "attributes": {{"x": [-{INFINITY}]}}}}'),
        ("/api/v1/track/", f'{{"userId": "u1", "event": "e", "properties": {{"x": {INFINITY}}}}}'),
        ("/api/v1/track/", f'{{"userId": "u1", "event": "e", "context": {{"x": {INFINITY}}}}}'),
        ("/api/v1/identify/", f'{{"userId": "u1", "traits": {{"x": {INFINITY}}}}}'),
    ],
)
def test_numbers_too_large_to_store_are_refused(
    api: APIClient, workspace: Workspace, url: str, body: str
) -> None:
    response = send_raw(api, url, body)
    assert response.status_code == 400, response.content
    assert "too large" in str(response.json())
    assert not Contact.objects.filter(workspace=workspace).exists()
    assert not Event.objects.filter(workspace=workspace).exists()


def test_patch_with_an_infinite_attribute_keeps_the_contact(
    api: APIClient, workspace: Workspace
) -> None:
    upsert_contact(workspace, {"external_id": "u1", "attributes": {"x": 1}})
    body = f'{{"attributes": {{"x": {INFINITY}}}}}'
    assert send_raw(api, "/api/v1/contacts/u1/", body, "PATCH").status_code == 400
    assert Contact.objects.get(workspace=workspace).attributes == {"x": 1}


def test_bulk_reports_the_infinite_item_and_stores_the_rest(
    api: APIClient, workspace: Workspace
) -> None:
    body = (
        '{"contacts": [{"external_id": "good"},'
        f' {{"external_id": "bad", "attributes": {{"deep": {{"x": {INFINITY}}}}}}}]}}'
    )
    response = send_raw(api, "/api/v1/contacts/bulk/", body)
    assert response.status_code == 200, response.content
    good, bad = response.json()["results"]
    assert good == {"external_id": "good", "status": "created"}
    assert bad["status"] == "error"
    assert "/deep/x" in str(bad["errors"]["attributes"])
    assert set(Contact.objects.values_list("external_id", flat=True)) == {"good"}


def test_batch_reports_the_infinite_items_and_stores_the_rest(
    api: APIClient, workspace: Workspace
) -> None:
    body = (
        '{"batch": [{"type": "track", "userId": "u1", "event": "ok"},'
        f' {{"type": "track", "userId": "u2", "event": "bad", "properties": {{"p": {INFINITY}}}}},'
        f' {{"type": "identify", "userId": "u3", "traits": {{"t": -{INFINITY}}}}}]}}'
    )
    response = send_raw(api, "/api/v1/batch/", body)
    assert response.status_code == 200, response.content
    assert [r["ok"] for r in response.json()["results"]] == [True, False, False]
    assert list(Event.objects.values_list("name", flat=True)) == ["ok"]
    assert list(Contact.objects.values_list("external_id", flat=True)) == ["u1"]


@pytest.mark.parametrize(
    "zone",
    [
        "America",
        "a" * 5000,
        "Asia/",
        "../../etc/passwd",
        "/etc/localtime",
        "Asia//Shanghai",
    ],
)
def test_odd_time_zone_names_are_refused(api: APIClient, zone: str) -> None:
    api.raise_request_exception = False
    response = api.post("/api/v1/contacts/", {"external_id": "u", "timezone": zone}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"timezone"}
    traits = {"userId": "u", "traits": {"timezone": zone}}
    assert api.post("/api/v1/identify/", traits, format="json").status_code == 400


@pytest.mark.parametrize(
    "zone", ["UTC", "Asia/Shanghai", "America/Argentina/Buenos_Aires", "Etc/GMT+8"]
)
def test_iana_names_are_accepted(api: APIClient, zone: str) -> None:
    response = api.post("/api/v1/contacts/", {"external_id": "u", "timezone": zone}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["timezone"] == zone


@pytest.mark.parametrize(
    "within", ["P99999999999D", "PT99999999999999999999H", "P" + "9" * 5000 + "D"]
)
def test_a_window_too_long_for_a_timedelta_is_a_located_error(
    api: APIClient, workspace: Workspace, within: str
) -> None:
    api.raise_request_exception = False
    rule = {"all": [{"tag": "x"}, {"event": "e", "within": within}]}
    response = api.post("/api/v1/segments/", {"key": "s", "rule": rule}, format="json")
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["code"] == "duration.invalid"
    assert error["path"] == "/rule/all/1/within"
    assert not Segment.objects.filter(workspace=workspace).exists()


def test_windows_stop_at_a_hundred_years_which_counts_all_of_time(
    api: APIClient, workspace: Workspace
) -> None:
    track(workspace, user_id="u1", event="e")
    upsert_contact(workspace, {"external_id": "u2"})
    api.raise_request_exception = False
    rule = {"event": "e", "within": "P999999D"}  # about 2,700 years: reaches before year one
    refused = api.post("/api/v1/segments/", {"key": "s", "rule": rule}, format="json")
    assert refused.status_code == 400
    assert "at most 100 years" in refused.json()["errors"][0]["message"]
    rule = {"event": "e", "within": "P100Y"}
    created = api.post("/api/v1/segments/", {"key": "s", "rule": rule}, format="json")
    assert created.status_code == 201
    response = api.get("/api/v1/segments/s/preview/")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def nested(depth: int, key: str, leaf: str) -> str:
    return f'{{"{key}": ' * depth + leaf + "}" * depth


DEEP = 150  # far beyond these fields' limits, yet within what the body parser accepts


def test_deeply_nested_attributes_and_properties_are_refused(
    api: APIClient, workspace: Workspace
) -> None:
    attributes = nested(DEEP, "a", "1")
    response = send_raw(
        api, "/api/v1/contacts/", f'{{"external_id": "u", "attributes": {attributes}}}'
    )
    assert response.status_code == 400
    assert "nested more than" in str(response.json()["attributes"])
    track_body = f'{{"userId": "u", "event": "e", "properties": {attributes}}}'
    assert send_raw(api, "/api/v1/track/", track_body).status_code == 400
    deep_item = '{"type": "track", ' + track_body[1:]
    batch = f'{{"batch": [{{"type": "track", "userId": "u", "event": "ok"}}, {deep_item}]}}'
    response = send_raw(api, "/api/v1/batch/", batch)
    assert [r["ok"] for r in response.json()["results"]] == [True, False]
    assert list(Event.objects.values_list("name", flat=True)) == ["ok"]


def test_shallow_nesting_is_fine(api: APIClient) -> None:
    attributes = nested(20, "a", '[1, {"b": 2}]')
    response = send_raw(
        api, "/api/v1/contacts/", f'{{"external_id": "u", "attributes": {attributes}}}'
    )
    assert response.status_code == 201, response.content


def test_a_rule_nested_too_deeply_is_a_located_error(api: APIClient, workspace: Workspace) -> None:
    rule = nested(DEEP, "not", '{"tag": "x"}')
    response = send_raw(api, "/api/v1/segments/", f'{{"key": "s", "rule": {rule}}}')
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["code"] == "rule.invalid"
    assert error["path"] == "/rule" + "/not" * 32
    assert not Segment.objects.filter(workspace=workspace).exists()


@pytest.mark.parametrize(
    ("provider", "status"),
    [("huawei", 201), ("fcm", 201), ("sandbox", 201), ("apns", 400), ("FCM", 400)],
)
def test_push_tokens_name_a_push_provider_of_the_contract(
    api: APIClient, provider: str, status: int
) -> None:
    body = {"external_id": "u", "push_tokens": [{"provider": provider, "token": "t"}]}
    assert api.post("/api/v1/contacts/", body, format="json").status_code == status
