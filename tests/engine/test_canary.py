"""Canary releases: a new version takes a share of new entrants until it is promoted."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from core.models import Workspace
from journeys.demo import DEMO_SLUG, load_demo
from journeys.engine.tick import tick
from journeys.models import Enrollment
from tests.conftest import ClientFactory
from tests.journeys.builders import JourneyBuilder

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)
POPULATION = 2000


@pytest.fixture
def api(make_client: ClientFactory) -> APIClient:
    load_demo()
    client = make_client(Workspace.objects.get(slug=DEMO_SLUG))
    contacts = [{"external_id": f"c{i}"} for i in range(POPULATION)]
    response = client.post("/api/v1/contacts/bulk/", {"contacts": contacts}, format="json")
    assert response.status_code == 200
    return client


def push_journey(title: str) -> dict[str, Any]:
    params = {"title": title, "body": "b"}
    return (
        JourneyBuilder()
        .entry()
        .node("push1", "send", {"channel": "push", "account": "push-main", "params": params})
        .node("pause", "wait", {"duration": "P1D"})
        .exit("done")
        .chain("start", "push1", "pause", "done")
        .build()
    )


def journey_with_v1(api: APIClient) -> int:
    created = api.post(
        "/api/v1/journeys/", {"name": "canary", "definition": push_journey("v1")}, format="json"
    ).json()
    assert (
        api.post(f"/api/v1/journeys/{created['id']}/publish/", {}, format="json").status_code == 201
    )
    return int(created["id"])


def publish_v2(api: APIClient, journey_id: int, **body: Any) -> Any:
    current = api.get(f"/api/v1/journeys/{journey_id}/").json()
    api.patch(
        f"/api/v1/journeys/{journey_id}/",
        {"rev": current["rev"], "definition": push_journey("v2")},
        format="json",
    )
    return api.post(f"/api/v1/journeys/{journey_id}/publish/", body, format="json")


def enroll(api: APIClient, journey_id: int, ids: list[str]) -> None:
    with time_machine.travel(NOW, tick=False):
        response = api.post(
            f"/api/v1/journeys/{journey_id}/enroll/", {"contacts": ids}, format="json"
        )
    assert response.status_code == 200, response.content


def versions_entered(journey_id: int) -> Counter[int]:
    return Counter(
        Enrollment.objects.filter(journey_id=journey_id).values_list("version__number", flat=True)
    )


def test_a_canary_takes_its_share_and_promotion_moves_new_entrants_only(api: APIClient) -> None:
    journey_id = journey_with_v1(api)
    enroll(api, journey_id, [f"c{i}" for i in range(10)])
    response = publish_v2(api, journey_id, canary_percent=30)
    assert response.status_code == 201
    assert (response.json()["version"], response.json()["canary_percent"]) == (2, 30)
    shown = api.get(f"/api/v1/journeys/{journey_id}/").json()
    assert (shown["live_version"], shown["canary"]) == (1, {"version": 2, "percent": 30})

    enroll(api, journey_id, [f"c{i}" for i in range(10, POPULATION)])
    entered = versions_entered(journey_id)
    newcomers = POPULATION - 10
    assert entered[1] + entered[2] == POPULATION
    assert 0.27 * newcomers <= entered[2] <= 0.33 * newcomers  # 30% ± 3 points
    tick(NOW)
    titles = Counter(
        (e.version.number, e.contact.messages.get().content["title"])
        for e in Enrollment.objects.filter(journey_id=journey_id).select_related(
            "version", "contact"
        )
    )
    assert set(titles) == {(1, "v1"), (2, "v2")}  # each version sends its own message

    promoted = api.post(f"/api/v1/journeys/{journey_id}/promote/", {}, format="json")
    assert promoted.status_code == 200
    assert (promoted.json()["live_version"], promoted.json()["canary"]) == (2, None)
    before = Enrollment.objects.filter(journey_id=journey_id, version__number=1).count()
    assert before == entered[1]  # nobody in flight moved
    Enrollment.objects.filter(journey_id=journey_id).delete()  # let everyone enter again
    enroll(api, journey_id, [f"c{i}" for i in range(200)])
    assert versions_entered(journey_id) == {2: 200}


def test_the_split_is_stable_per_contact_while_the_canary_runs(api: APIClient) -> None:
    journey_id = journey_with_v1(api)
    publish_v2(api, journey_id, canary_percent=50)
    ids = [f"c{i}" for i in range(300)]
    enroll(api, journey_id, ids)
    first = dict(Enrollment.objects.values_list("contact__external_id", "version__number"))
    Enrollment.objects.all().delete()
    enroll(api, journey_id, ids)
    assert dict(Enrollment.objects.values_list("contact__external_id", "version__number")) == first


def test_publishing_without_a_canary_replaces_it(api: APIClient) -> None:
    journey_id = journey_with_v1(api)
    publish_v2(api, journey_id, canary_percent=10)
    response = publish_v2(api, journey_id)
    assert (response.json()["version"], response.json()["canary_percent"]) == (3, None)
    shown = api.get(f"/api/v1/journeys/{journey_id}/").json()
    assert (shown["live_version"], shown["canary"]) == (3, None)


def test_canary_mistakes_are_refused_clearly(api: APIClient) -> None:
    created = api.post(
        "/api/v1/journeys/", {"name": "new", "definition": push_journey("v1")}, format="json"
    ).json()
    first = api.post(
        f"/api/v1/journeys/{created['id']}/publish/", {"canary_percent": 20}, format="json"
    )
    assert first.status_code == 409
    assert "live version" in first.json()["detail"]
    journey_id = journey_with_v1(api)
    for bad in (0, 100, "half", None):
        response = publish_v2(api, journey_id, canary_percent=bad)
        assert response.status_code == 400, bad
        assert "canary_percent" in response.json()
    nothing = api.post(f"/api/v1/journeys/{journey_id}/promote/", {}, format="json")
    assert nothing.status_code == 409
    assert api.get(f"/api/v1/journeys/{journey_id}/").json()["live_version"] == 1
