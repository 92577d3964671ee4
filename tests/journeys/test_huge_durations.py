"""Durations too long to mean anything are `duration.invalid`, located, wherever they appear.

`P99999999999D` overflows a timedelta and a number of thousands of digits is more than `int()`
reads; both used to escape as 500s from validate and publish. Anything beyond MAX_DURATION
(a hundred years) is refused the same way in journeys and in segments.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from core.durations import MAX_DURATION, parse_duration
from core.models import Segment, Workspace
from journeys.models import JourneyVersion
from tests.journeys.builders import JourneyBuilder

pytestmark = pytest.mark.django_db

HUGE = [
    "P99999999999D",
    "PT99999999999999999999H",
    "P9999999999999Y",
    pytest.param("P" + "9" * 5000 + "D", id="P<5000 digits>D"),
    "P101Y",
    "P36526D",
    "P5300W",
    "PT876601H",
]


def waiting_journey(duration: str) -> dict[str, Any]:
    document = (
        JourneyBuilder()
        .entry()
        .node("pause", "wait", {"duration": duration})
        .node("listen", "wait_event", {"event": "order_paid", "timeout": duration})
        .exit()
        .chain("start", "pause", "listen")
        .edge("listen", "done", "received")
        .edge("listen", "done", "timeout")
        .build()
    )
    document["settings"] = {
        "reentry": "after",
        "reentry_after": duration,
        "goal": {"event": "order_paid", "within": duration},
    }
    return document


def draft(api: APIClient, document: dict[str, Any]) -> int:
    response = api.post("/api/v1/journeys/", {"name": "j", "definition": document}, format="json")
    assert response.status_code == 201, response.content
    journey_id: int = response.json()["id"]
    return journey_id


EXPECTED_PATHS = [
    ("/settings/reentry_after", None),
    ("/settings/goal/within", None),
    ("/nodes/1/config/duration", "pause"),
    ("/nodes/2/config/timeout", "listen"),
]


@pytest.mark.parametrize("duration", HUGE)
def test_validate_locates_each_huge_duration(api: APIClient, duration: str) -> None:
    api.raise_request_exception = False
    journey_id = draft(api, waiting_journey(duration))
    response = api.post(f"/api/v1/journeys/{journey_id}/validate/", {}, format="json")
    assert response.status_code == 200, response.content
    errors = response.json()["errors"]
    assert {e["code"] for e in errors} == {"duration.invalid"}
    assert sorted((e["path"], e["node_id"]) for e in errors) == sorted(
        EXPECTED_PATHS, key=lambda pair: pair[0]
    )
    assert all("100 years" in e["message"] for e in errors)


@pytest.mark.parametrize("duration", ["P99999999999D", "P101Y"])
def test_publish_refuses_a_huge_duration(api: APIClient, duration: str) -> None:
    api.raise_request_exception = False
    journey_id = draft(api, waiting_journey(duration))
    response = api.post(f"/api/v1/journeys/{journey_id}/publish/", {}, format="json")
    assert response.status_code == 400, response.content
    assert {e["code"] for e in response.json()["errors"]} == {"duration.invalid"}
    assert not JourneyVersion.objects.exists()


def test_a_huge_window_in_a_condition_rule_is_located(api: APIClient) -> None:
    api.raise_request_exception = False
    rule = {"event": "order_paid", "within": "P99999999999D"}
    document = (
        JourneyBuilder()
        .entry()
        .node("check", "condition", {"rule": rule})
        .exit()
        .edge("start", "check")
        .edge("check", "done", "yes")
        .edge("check", "done", "no")
        .build()
    )
    journey_id = draft(api, document)
    response = api.post(f"/api/v1/journeys/{journey_id}/validate/", {}, format="json")
    assert response.status_code == 200, response.content
    [error] = response.json()["errors"]
    assert (error["code"], error["node_id"], error["path"]) == (
        "duration.invalid",
        "check",
        "/nodes/1/config/rule/within",
    )


@pytest.mark.parametrize("within", HUGE)
def test_segments_refuse_the_same_durations(
    api: APIClient, workspace: Workspace, within: str
) -> None:
    api.raise_request_exception = False
    rule = {"event": "e", "within": within}
    response = api.post("/api/v1/segments/", {"key": "s", "rule": rule}, format="json")
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert (error["code"], error["path"]) == ("duration.invalid", "/rule/within")
    assert not Segment.objects.filter(workspace=workspace).exists()


@pytest.mark.parametrize("duration", ["P100Y", "P36525D", "P1200M", "PT876000H", "P5200W"])
def test_a_hundred_years_is_still_a_duration(api: APIClient, duration: str) -> None:
    parsed = parse_duration(duration)
    assert parsed is not None
    assert parsed.approximate() <= MAX_DURATION
    journey_id = draft(api, waiting_journey(duration))
    response = api.post(f"/api/v1/journeys/{journey_id}/validate/", {}, format="json")
    assert response.json() == {"valid": True, "errors": []}
    rule = {"event": "e", "within": duration}
    assert api.post("/api/v1/segments/", {"key": "s", "rule": rule}, format="json").status_code == (
        201
    )
