"""Bad simulation requests are refused with located errors, before anything runs."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from core.models import Workspace
from journeys.models import SimulationRun
from tests.simulation.conftest import FALLBACK, START, journey_id, simulate

GOOD: dict[str, Any] = {"days": 1, "start": START, "population": {"count": 10}}


def _with(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


def _population(**changes: Any) -> dict[str, Any]:
    return _with(population={"count": 10, **changes})


def _line(**changes: Any) -> dict[str, Any]:
    return _with(script=[{"event": "message.opened", "p": 0.3, "within": "PT1H", **changes}])


CASES = [
    pytest.param([GOOD], "simulation.invalid", "", id="not-an-object"),
    pytest.param({"population": {"count": 1}}, "simulation.invalid", "", id="no-days"),
    pytest.param(_with(days=0), "simulation.invalid", "/days", id="zero-days"),
    pytest.param(_with(days=91), "simulation.invalid", "/days", id="too-many-days"),
    pytest.param(_with(colour="red"), "simulation.invalid", "/colour", id="unknown-field"),
    pytest.param(_with(start="yesterday"), "simulation.invalid", "/start", id="bad-start"),
    pytest.param(
        _with(start="2026-11-02T09:00:00"), "simulation.invalid", "/start", id="naive-start"
    ),
    pytest.param(
        _with(start="9999-12-31T23:00:00+00:00"), "simulation.invalid", "/start", id="far-start"
    ),
    pytest.param(_with(version=9), "simulation.invalid", "/version", id="unknown-version"),
    pytest.param(_population(count=0), "simulation.invalid", "/population/count", id="nobody"),
    pytest.param(_population(count=20_001), "simulation.invalid", "/population/count", id="crowd"),
    pytest.param(
        _population(size=3), "simulation.invalid", "/population/size", id="population-field"
    ),
    pytest.param(
        _population(attributes={"tier": {"values": [1, 2], "weights": [1]}}),
        "simulation.invalid",
        "/population/attributes/tier/weights",
        id="weights-per-value",
    ),
    pytest.param(
        _population(attributes={"age": {"min": 40, "max": 20}}),
        "simulation.invalid",
        "/population/attributes/age/min",
        id="empty-range",
    ),
    pytest.param(
        _population(attributes={"age": {"min": 1}}),
        "simulation.invalid",
        "/population/attributes/age",
        id="half-range",
    ),
    pytest.param(
        _population(attributes={"email": {"values": ["a@example.com"]}}),
        "simulation.invalid",
        "/population/attributes/email",
        id="field-as-attribute",
    ),
    pytest.param(
        _population(timezones={"values": ["Mars/Olympus_Mons"]}),
        "simulation.invalid",
        "/population/timezones/values/0",
        id="bad-zone",
    ),
    pytest.param(
        _population(channels=["fax"]), "channel.unknown", "/population/channels/0", id="fax"
    ),
    pytest.param(
        _population(channels={"sms": 1.5}),
        "simulation.invalid",
        "/population/channels",
        id="share-above-one",
    ),
    pytest.param(
        _population(arrive_within="soon"),
        "duration.invalid",
        "/population/arrive_within",
        id="bad-arrival",
    ),
    pytest.param(
        _with(population={"contacts": [{"external_id": "a", "email": "not-an-email"}]}),
        "simulation.invalid",
        "/population/contacts/0/email",
        id="bad-contact",
    ),
    pytest.param(
        _with(population={"contacts": [{"external_id": "a"}, {"external_id": "a"}]}),
        "simulation.invalid",
        "/population/contacts/1/external_id",
        id="same-contact-twice",
    ),
    pytest.param(
        _with(population={"contacts": [], "count": 3}),
        "simulation.invalid",
        "/population/contacts",
        id="both-forms",
    ),
    pytest.param(_line(p=1.5), "simulation.invalid", "/script/0/p", id="p-above-one"),
    pytest.param(_line(within="1 hour"), "duration.invalid", "/script/0/within", id="within"),
    pytest.param(_line(within="P2Y"), "simulation.invalid", "/script/0/within", id="within-years"),
    pytest.param(
        _line(within="P99999999999999999999D"),
        "duration.invalid",
        "/script/0/within",
        id="within-absurd",
    ),
    pytest.param(
        _line(node="nowhere"), "simulation.node_unknown", "/script/0/node", id="unknown-node"
    ),
    pytest.param(
        _line(node="wait_open"), "simulation.node_not_send", "/script/0/node", id="not-a-send"
    ),
    pytest.param(_line(colour=1), "simulation.invalid", "/script/0/colour", id="line-field"),
]


@pytest.mark.parametrize(("body", "code", "path"), CASES)
def test_each_mistake_is_located(
    demo: Workspace, demo_api: APIClient, body: Any, code: str, path: str
) -> None:
    response = simulate(demo_api, journey_id(demo, FALLBACK), body)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert {"code": code, "path": path} in [{"code": e["code"], "path": e["path"]} for e in errors]
    for error in errors:
        assert set(error) == {"code", "message", "node_id", "path"}
        assert error["message"]
    assert not SimulationRun.objects.exists()


def test_a_number_too_large_to_store_is_refused(demo: Workspace, demo_api: APIClient) -> None:
    body = (
        '{"days": 1, "population": {"count": 1}, "script": [{"event": "order_paid", "p": 1,'
        ' "within": "P1D", "properties": {"amount": 1e400}}]}'
    )
    response = demo_api.post(
        f"/api/v1/journeys/{journey_id(demo, FALLBACK)}/simulate/",
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "too large" in str(response.json())


def test_a_draft_that_would_not_publish_gets_the_publish_errors(
    demo: Workspace, demo_api: APIClient
) -> None:
    journey = journey_id(demo, FALLBACK)
    current = demo_api.get(f"/api/v1/journeys/{journey}/").json()
    broken = {**current["definition"], "edges": current["definition"]["edges"][:-1]}
    demo_api.patch(
        f"/api/v1/journeys/{journey}/",
        {"rev": current["rev"], "definition": broken},
        format="json",
    )
    response = simulate(demo_api, journey, GOOD)
    assert response.status_code == 400
    assert {(e["code"], e["node_id"]) for e in response.json()["errors"]} == {
        ("port.unconnected", "coupon")
    }


def test_another_workspaces_journey_is_not_found(demo: Workspace, other_api: APIClient) -> None:
    assert simulate(other_api, journey_id(demo, FALLBACK), GOOD).status_code == 404


def test_simulating_needs_the_write_scope(demo: Workspace, make_client: Any) -> None:
    reader = make_client(demo, scopes=("read",))
    assert simulate(reader, journey_id(demo, FALLBACK), GOOD).status_code == 403
