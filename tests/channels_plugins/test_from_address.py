"""An email account's `from_address` is judged when the account is saved (API and admin), not
first when a message fails: one address, plain or `Name <address>`, by Django's rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from channels_plugins.base import OutboundMessage, Sent
from channels_plugins.builtin.smtp import SMTP
from channels_plugins.models import ChannelAccount
from channels_plugins.services import EMAIL_FORMAT, is_email_address
from core.models import Workspace
from tests.support.smtp import SmtpServer, smtp_server

pytestmark = pytest.mark.django_db
URL = "/api/v1/channel-accounts/"


def smtp_body(from_address: Any) -> dict[str, Any]:
    config = {"host": "smtp.example.com", "from_address": from_address}
    return {"name": "mail", "channel": "email", "provider": "smtp", "config": config}


@pytest.mark.parametrize(
    "value",
    ["news@shop.example", "Shop <news@shop.example>", '"Shop, Inc." <news@shop.example>'],
)
def test_addresses_and_named_addresses_are_accepted(api: APIClient, value: str) -> None:
    response = api.post(URL, smtp_body(value), format="json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "value",
    [
        "news@",
        "news@shop",
        "a@x.example, b@x.example",
        "a@x.example; b@x.example",
        "news@shop.example\nBcc: x@y.example",
        "Shop <news>",
        "not an address",
        "@@@",
    ],
)
def test_a_malformed_from_address_is_a_located_400_with_a_stable_code(
    api: APIClient, value: str
) -> None:
    response = api.post(URL, smtp_body(value), format="json")
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert (error["code"], error["path"]) == (EMAIL_FORMAT, "/config/from_address")
    assert response.json()["config"] == [f"{error['message']} (at /from_address)"]
    assert not ChannelAccount.objects.exists()


def test_a_patch_is_judged_too(api: APIClient) -> None:
    created = api.post(URL, smtp_body("news@shop.example"), format="json").json()
    config = {"host": "smtp.example.com", "from_address": "news at shop"}
    response = api.patch(f"{URL}{created['id']}/", {"config": config}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "/config/from_address"
    assert ChannelAccount.objects.get().config["from_address"] == "news@shop.example"


def test_service_errors_carry_codes_and_pointers(api: APIClient) -> None:
    assert api.post(URL, smtp_body("news@shop.example"), format="json").status_code == 201
    response = api.post(URL, smtp_body("news@shop.example"), format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["code"], error["path"]) == ("name.invalid", "/name")


def test_the_admin_shows_the_error_on_the_form(admin_client: Client, workspace: Workspace) -> None:
    body = {
        "workspace": workspace.pk,
        "name": "mail",
        "channel": "email",
        "provider": "smtp",
        "config": json.dumps({"host": "smtp.example.com", "from_address": "news@"}),
    }
    response = admin_client.post("/admin/channels_plugins/channelaccount/add/", body)
    assert response.status_code == 200
    assert "(at /from_address)" in response.content.decode()
    assert not ChannelAccount.objects.exists()


def test_non_text_is_left_to_the_type_check() -> None:
    assert is_email_address(5)


def test_a_named_from_address_sends_as_that_name() -> None:
    server: SmtpServer
    with smtp_server() as server:
        config = server.config(from_address="Shop <news@shop.example>")
        message = OutboundMessage(7, "ana@example.com", {"subject": "Hi", "body_text": "x"}, "k7")
        [outcome] = SMTP.send(config, [message])
    assert isinstance(outcome, Sent)
    [received] = server.received
    assert received.mail_from == "news@shop.example"
    assert received.message["From"] == "Shop <news@shop.example>"
    assert received.message["Message-ID"].endswith("@shop.example>")
