"""The stand-in machinery: serving on loopback, recording requests, pointing accounts at them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from django.core.management.base import CommandError

from channels_plugins.management.commands.touchflow_standins import (
    point_accounts,
    serving_all,
    targets_for,
)
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
        [created] = point_accounts(workspace, targets_for([echo], []))
        [again] = point_accounts(workspace, targets_for([echo], []))

    assert created.pk == again.pk
    account = ChannelAccount.objects.get(workspace=workspace, name="sandbox-standin")
    assert (account.channel, account.provider) == ("sms", "sandbox")


def test_an_existing_demo_account_can_be_pointed_at_a_stand_in(demo: Workspace) -> None:
    """The demo's journeys send through `sms-main`: pointed at a stand-in, they deliver there."""
    with serving(Echo()) as echo:
        accounts = point_accounts(demo, targets_for([echo], ["sms-main=sandbox"]))

    assert [a.name for a in accounts] == ["sandbox-standin", "sms-main"]
    assert ChannelAccount.objects.filter(workspace=demo, name="sms-main").count() == 1


@pytest.mark.parametrize("point", ["sms-main", "=sandbox", "sms-main=twilio-nope"])
def test_a_bad_point_is_refused_with_the_known_providers(point: str) -> None:
    with pytest.raises(CommandError, match="ACCOUNT=PROVIDER with a provider of: sandbox"):
        targets_for([Echo()], [point])


def test_every_stand_in_gives_the_demo_an_account_that_validates(demo: Workspace) -> None:
    classes = available()
    assert set(classes) >= {"aliyun", "fcm", "huawei", "tencent", "twilio", "wechat_oa"}
    with serving_all(classes, "127.0.0.1", 0) as running:
        accounts = point_accounts(demo, targets_for(running, []))

    assert sorted(a.name for a in accounts) == sorted(f"{p}-standin" for p in classes)
