"""Webhook calls connect to the address that was checked, and HTTPS still speaks to the name.

Receivers are real HTTP(S) servers on loopback. DNS is the one part stood in for, through the
module's resolver seam: a server that answers differently the second time (DNS rebinding) is
the case no real local part can produce.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from channels_plugins import webhooks
from channels_plugins.base import Failed, Outcome, Sent
from channels_plugins.webhooks import Resolver, call_webhooks, resolve_host
from tests.support.http import RecordingServer, recording_server
from tests.support.tls import self_signed

METADATA = "169.254.169.254"  # in the default WEBHOOK_BLOCKED_NETWORKS
NOT_KNOWN = "ConnectError: [Errno -2] Name or service not known"


class ScriptedDns:
    """Answers each question with the next answer of its script, then repeats the last one; an
    empty answer is a name it does not know, reported as the system resolver reports it."""

    def __init__(self, *answers: Sequence[str]) -> None:
        self.answers = list(answers)
        self.questions: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.questions.append((host, port))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if not answer:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answer


def never_asked(host: str, port: int) -> Sequence[str]:
    raise AssertionError(f"DNS was asked about {host}:{port}")


def port_of(server: RecordingServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def call(url: str, resolve: Resolver = resolve_host) -> Outcome:
    [outcome] = call_webhooks([({"url": url, "body": {"n": 1}}, "key-1")], resolve=resolve)
    return outcome


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.fixture
def receiver() -> Iterator[RecordingServer]:
    with recording_server() as server:
        yield server


def test_the_call_goes_to_the_checked_address_and_dns_is_asked_once(
    receiver: RecordingServer,
) -> None:
    """The rebinding case: the first answer is safe, a second one would be the metadata
    address. The name is unknown to the system, so the call can only have arrived through the
    address that was checked."""
    port = port_of(receiver)
    dns = ScriptedDns(["127.0.0.1"], [METADATA])
    assert call(f"http://rebind.test:{port}/hook", dns) == Sent(provider_message_id="http-200")
    assert dns.questions == [("rebind.test", port)]
    [received] = receiver.requests
    assert (received.path, received.headers["Host"]) == ("/hook", f"rebind.test:{port}")
    assert received.headers["Idempotency-Key"] == "key-1"
    # The next call asks again, hears the metadata address, and is refused before connecting.
    refused = call(f"http://rebind.test:{port}/hook", dns)
    assert isinstance(refused, Failed)
    assert (refused.kind, refused.detail.split(":")[0]) == (
        "config",
        f"the URL's host is a blocked address ({METADATA})",
    )
    assert len(receiver.requests) == 1


def test_every_address_of_the_answer_is_checked(receiver: RecordingServer) -> None:
    dns = ScriptedDns(["127.0.0.1", f"::ffff:{METADATA}"])
    outcome = call(f"http://mixed.test:{port_of(receiver)}/", dns)
    assert isinstance(outcome, Failed)
    assert outcome.kind == "config"
    assert "blocked address (::ffff:" in outcome.detail  # the mapped metadata address
    assert receiver.requests == []


def test_checked_addresses_are_tried_in_the_resolvers_order(receiver: RecordingServer) -> None:
    """As a connection to the name would: nothing listens on 127.0.0.2, so the next one."""
    dns = ScriptedDns(["127.0.0.2", "127.0.0.1"])
    assert call(f"http://two.test:{port_of(receiver)}/", dns) == Sent("http-200")
    assert len(receiver.requests) == 1
    assert len(dns.questions) == 1


def test_when_no_address_answers_the_last_connection_error_is_a_transient_failure() -> None:
    with recording_server() as gone:
        port = port_of(gone)  # closed once the server stops
    outcome = call(f"http://gone.test:{port}/", ScriptedDns(["127.0.0.2", "127.0.0.1"]))
    assert isinstance(outcome, Failed)
    assert outcome.kind == "transient"
    assert outcome.detail.startswith("ConnectError:")


def test_a_name_that_does_not_resolve_is_a_transient_failure_as_before() -> None:
    assert call("http://nowhere.test/", ScriptedDns([])) == Failed("transient", NOT_KNOWN)


def test_an_over_long_label_is_an_invalid_url_rather_than_a_crash() -> None:
    outcome = call(f"http://{'a' * 64}.example/", resolve_host)
    assert isinstance(outcome, Failed)
    assert (outcome.kind, outcome.detail.split(":")[0]) == ("config", "invalid URL")


def test_ip_literals_are_called_as_written_without_dns(receiver: RecordingServer) -> None:
    assert call(receiver.url + "/v4", never_asked) == Sent("http-200")
    [received] = receiver.requests
    assert received.headers["Host"] == receiver.url.removeprefix("http://")
    blocked = call(f"http://{METADATA}/", never_asked)
    assert isinstance(blocked, Failed)
    assert blocked.kind == "config"


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_ipv6_literals_and_names_answering_ipv6_reach_the_address() -> None:
    with recording_server(host="::1") as server:
        port = port_of(server)
        assert call(f"http://[::1]:{port}/literal", never_asked) == Sent("http-200")
        assert call(f"http://six.test:{port}/named", ScriptedDns(["::1"])) == Sent("http-200")
    hosts = [(r.path, r.headers["Host"]) for r in server.requests]
    assert hosts == [("/literal", f"[::1]:{port}"), ("/named", f"six.test:{port}")]


def test_a_redirect_is_not_followed_even_to_an_allowed_address(
    receiver: RecordingServer,
) -> None:
    """Following one would connect to a host that was never checked."""
    receiver.reply(302, headers={"Location": receiver.url + "/elsewhere"})
    assert call(receiver.url + "/hook", never_asked) == Failed(
        "config", "HTTP 302: redirects are not followed"
    )
    assert [r.path for r in receiver.requests] == ["/hook"]


def test_a_proxy_named_in_the_environment_is_not_used(
    receiver: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy would resolve the name itself, after our check."""
    with recording_server() as proxy:
        for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(variable, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        dns = ScriptedDns(["127.0.0.1"])
        assert call(f"http://direct.test:{port_of(receiver)}/", dns) == Sent("http-200")
    assert (len(receiver.requests), proxy.requests) == (1, [])


@pytest.fixture
def localhost_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingServer]:
    """An HTTPS receiver whose certificate names "localhost" only (no IP address), trusted the
    way a deployment trusts a private CA: through SSL_CERT_FILE."""
    cert_file, server_context = self_signed("localhost", tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    with recording_server(tls=server_context, keep_alive=True) as server:
        yield server


def test_https_verifies_the_certificate_against_the_name_and_sends_it_as_sni(
    localhost_tls: RecordingServer,
) -> None:
    """The connection goes to 127.0.0.1, which the certificate does not name: it verifies only
    because the name is what TLS checks, and the server is told the name."""
    port = port_of(localhost_tls)
    assert call(f"https://localhost:{port}/hook") == Sent("http-200")
    assert localhost_tls.server_names == ["localhost"]
    [received] = localhost_tls.requests
    assert (received.path, received.headers["Host"]) == ("/hook", f"localhost:{port}")


def test_a_name_the_certificate_does_not_cover_fails_at_the_same_address(
    localhost_tls: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both names answer 127.0.0.1 in one batch, called one after the other to a server that
    keeps connections open: the second gets its own connection, verified against its own name,
    and fails, rather than riding the first one's connection, verified for "localhost"."""
    monkeypatch.setattr(webhooks, "MAX_CONCURRENT_CALLS", 1)
    port = port_of(localhost_tls)
    dns = ScriptedDns(["127.0.0.1"])
    requests = [
        ({"url": f"https://{host}:{port}/hook", "body": {}}, f"key-{host}")
        for host in ("localhost", "elsewhere.test")
    ]
    served, refused = call_webhooks(requests, resolve=dns)
    assert served == Sent("http-200")
    assert isinstance(refused, Failed)
    assert refused.kind == "transient"
    assert "CERTIFICATE_VERIFY_FAILED" in refused.detail
    assert [r.headers["Host"] for r in localhost_tls.requests] == [f"localhost:{port}"]
    assert localhost_tls.server_names == ["localhost", "elsewhere.test"]
