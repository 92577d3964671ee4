"""The stand-in machinery: serving on loopback, recording requests, pointing accounts at them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from channels_plugins.management.commands.touchflow_standins import point_accounts, serving_all
from channels_plugins.models import ChannelAccount
from channels_plugins.standins import available
from channels_plugins.standins.base import Standin, StandinRequest, StandinResponse, serving
from core.models import Workspace


class Echo(Standin):
    """Answers every request with what it saw; the sandbox provider stands for a real one."""

    channel = "sms"
    provider = "sandbox"

    def handle(self, request: StandinRequest) -> StandinResponse:
        if request.path == "/boom":
            raise RuntimeError("broken stand-in")
        return StandinResponse.json(
            {"path": request.path, "query": request.query, "body": request.json()}, status=202
        )

    def account_config(self) -> dict[str, Any]:
        return {}


def test_a_stand_in_answers_and_records_over_real_http() -> None:
    with serving(Echo()) as echo, httpx.Client(base_url=echo.url) as client:
        answer = client.post("/v1/send?x=1", json={"to": "+8613800000001"}, headers={"X-A": "b"})
        failed = client.get("/boom")

    assert answer.status_code == 202
    assert answer.json() == {
        "path": "/v1/send",
        "query": {"x": ["1"]},
        "body": {"to": "+8613800000001"},
    }
    assert failed.status_code == 500
    assert b"broken stand-in" in failed.content
    first = echo.requests[0]
    assert (first.method, first.headers["x-a"]) == ("POST", "b")


def test_every_installed_stand_in_is_served_on_its_own_port() -> None:
    classes: dict[str, type[Standin]] = {"sandbox": Echo, **available()}
    with serving_all(classes, "127.0.0.1", 0) as running:
        urls = {standin.url for standin in running}
        assert len(urls) == len(classes)
        for standin in running:
            assert httpx.get(f"{standin.url}/").status_code < 600


@pytest.mark.django_db
def test_accounts_are_created_then_re_pointed(workspace: Workspace) -> None:
    with serving(Echo()) as echo:
        [created] = point_accounts(workspace, [echo])
        [again] = point_accounts(workspace, [echo])

    assert created.pk == again.pk
    account = ChannelAccount.objects.get(workspace=workspace, name="sandbox-standin")
    assert (account.channel, account.provider) == ("sms", "sandbox")
