"""`touchflow_send_test ACCOUNT ADDRESS [--workspace SLUG] [--params JSON]`."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from channels_plugins.management.commands.touchflow_send_test import Command
from channels_plugins.models import Message
from channels_plugins.services import create_account
from core.models import Workspace
from tests.support.smtp import SmtpServer, smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def shop(server: SmtpServer) -> Workspace:
    workspace = Workspace.objects.create(slug="shop", name="Shop")
    create_account(
        workspace, name="email-main", channel="email", provider="smtp", config=server.config()
    )
    create_account(workspace, name="wechat-main", channel="wechat", provider="sandbox", config={})
    return workspace


def run(*args: str) -> str:
    out = StringIO()
    call_command("touchflow_send_test", *args, stdout=out)
    return out.getvalue()


def test_an_email_account_sends_a_test_email(shop: Workspace, server: SmtpServer) -> None:
    out = run("email-main", "ana@example.com")
    [received] = server.received
    assert received.rcpt_tos == ("ana@example.com",)
    assert received.message["Subject"] == "Touchflow test message"
    assert received.message.get_content_type() == "multipart/alternative"
    assert out.splitlines() == [
        "Sending a test email message through email-main (smtp, workspace shop) to ana@example.com",
        f"Sent: {received.message['Message-ID']}",
    ]
    assert not Message.objects.exists()  # a test message leaves no outbox row behind


def test_a_refusal_is_reported_as_a_failure(shop: Workspace, server: SmtpServer) -> None:
    server.refuse_rcpt["gone@example.com"] = "550 5.1.1 User unknown"
    with pytest.raises(CommandError, match=r"Failed \(invalid_recipient\): 550 5.1.1 User unknown"):
        run("email-main", "gone@example.com", "--workspace", "shop")


def test_the_exit_status_is_non_zero_on_failure(
    shop: Workspace, server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """As from the shell: status 1 and the reason on stderr, no traceback."""
    server.refuse_data["spam@example.com"] = "554 5.7.1 Rejected"
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(
            ["manage.py", "touchflow_send_test", "email-main", "spam@example.com"]
        )
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err == "CommandError: Failed (content_rejected): 554 5.7.1 Rejected\n"


def test_a_channel_without_a_default_needs_params(shop: Workspace) -> None:
    with pytest.raises(CommandError, match="wechat channel has no default test message"):
        run("wechat-main", "openid-1")
    params = '{"template_id": "T1", "data": {"first": "Test"}}'
    assert run("wechat-main", "openid-1", "--params", params).endswith("Sent: sandbox-0\n")


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ("{", "--params is not JSON"),
        ("[1]", "--params must be a JSON object"),
        ('{"template_id": "T1"}', "params: 'data' is a required property"),
        ('{"template_id": "T1", "data": {}, "colour": 1}', "Additional properties"),
    ],
)
def test_bad_params_are_refused_before_sending(shop: Workspace, params: str, error: str) -> None:
    with pytest.raises(CommandError, match=error):
        run("wechat-main", "openid-1", "--params", params)


def test_unknown_workspace_and_account_are_named(shop: Workspace) -> None:
    with pytest.raises(CommandError, match=r"No workspace 'nope'\."):
        run("email-main", "a@example.com", "--workspace", "nope")
    with pytest.raises(CommandError, match=r"No channel account 'sms-main' in workspace 'shop'\."):
        run("sms-main", "+8613800000000", "--workspace", "shop")


def test_an_account_name_in_two_workspaces_needs_one_chosen(shop: Workspace) -> None:
    other = Workspace.objects.create(slug="other", name="Other")
    create_account(other, name="email-main", channel="email", provider="sandbox", config={})
    with pytest.raises(CommandError, match=r"several workspaces \(other, shop\)"):
        run("email-main", "a@example.com")
    assert run("email-main", "a@example.com", "--workspace", "other").endswith("Sent: sandbox-0\n")
