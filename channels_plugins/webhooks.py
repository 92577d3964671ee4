"""Delivering webhook nodes' calls: the outbox item's content is the rendered HTTP request.

A call is a message on the reserved channel `webhook` with no account, so it shares the
outbox's guarantees (claimed under a lease, keyed idempotently, retried by dispatch) without
going through a provider. Each request carries our idempotency key in `Idempotency-Key`, so a
receiver can tell a retry from a second call. Responses are normalised into the same failure
kinds providers use (ARCHITECTURE.md §3), which decide retries.

A marketer writes the URL, so a call may not reach the networks `WEBHOOK_BLOCKED_NETWORKS`
lists (by default the link-local range and the cloud metadata addresses, where an instance's
credentials are served). The host is resolved once, the call refused if any of its addresses
is blocked, and the connection made to a checked address rather than to the name: a DNS server
that answers differently the second time (DNS rebinding) is never asked a second time. The name
still travels in the `Host` header and, over HTTPS, as the TLS server name the certificate is
verified against. For the same reason calls ignore proxies named in the environment (a proxy
would resolve the name itself), redirects are not followed (a 3xx is a configuration failure),
and each host name gets its own connection pool, so a TLS connection verified for one name
never carries another name's request to the same address.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import httpx

from channels_plugins.base import Failed, Outcome, Sent, retry_after_seconds
from core.conf import touchflow_settings

WEBHOOK_CHANNEL = "webhook"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_CONCURRENT_CALLS = 8
USER_AGENT = "Touchflow-Webhook/1"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
"""(ASCII host name, port) -> its addresses, preferred first; raises OSError when it has none."""


def resolve_host(host: str, port: int) -> list[str]:
    """The system resolver's answer, in its order of preference (RFC 6724 on most systems).

    A seam: calls go to what this returns, so tests can stand in a DNS server that changes its
    answer between questions, which no real local part can be made to do.
    """
    found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in found]


def call_webhooks(
    requests: Sequence[tuple[dict[str, Any], str]], *, resolve: Resolver = resolve_host
) -> list[Outcome]:
    """One outcome per (request, idempotency key), in order; calls run a few at a time."""
    if not requests:
        return []
    if not touchflow_settings.DELIVER_WEBHOOKS:
        return [Sent(provider_message_id="simulated")] * len(requests)
    with (
        _clients_by_host() as client_for,
        ThreadPoolExecutor(max_workers=min(MAX_CONCURRENT_CALLS, len(requests))) as pool,
    ):
        return list(pool.map(lambda item: _call(client_for, resolve, *item), requests))


@contextmanager
def _clients_by_host() -> Iterator[Callable[[str], httpx.Client]]:
    """A client per host name for one batch, all closed at its end.

    Connections go to addresses, and httpx pools them by address: one shared client would hand
    a TLS connection verified for one name to a request for another name at the same address.
    The clients share one TLS context (building one reads the CA bundle), made with the
    environment's `SSL_CERT_FILE`/`SSL_CERT_DIR` honoured, though the clients themselves do not
    read the environment, so no proxy from it stands between the call and the checked address.
    """
    verify = httpx.create_ssl_context(trust_env=True)
    clients: dict[str, httpx.Client] = {}
    lock = threading.Lock()

    def client_for(host: str) -> httpx.Client:
        with lock:
            if host not in clients:
                clients[host] = httpx.Client(
                    timeout=TIMEOUT, follow_redirects=False, trust_env=False, verify=verify
                )
            return clients[host]

    try:
        yield client_for
    finally:
        for client in clients.values():
            client.close()


def _call(
    client_for: Callable[[str], httpx.Client],
    resolve: Resolver,
    request: dict[str, Any],
    idempotency_key: str,
) -> Outcome:
    url = request.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return Failed("config", f"not an http(s) URL: {url!r}")
    try:
        target = httpx.URL(url)
        addresses = _addresses(target, resolve)
    except (httpx.InvalidURL, UnicodeError) as exc:  # UnicodeError: a label over 63 characters
        return Failed("config", f"invalid URL: {exc}")
    except OSError as exc:  # as when httpx resolved the name itself, and found nothing
        return Failed("transient", f"ConnectError: {exc}")
    blocked = blocked_address(addresses)
    if blocked:
        return Failed(
            "config",
            f"the URL's host is a blocked address ({blocked}): webhooks may not call the"
            " networks in WEBHOOK_BLOCKED_NETWORKS",
        )
    headers = {str(k): str(v) for k, v in (request.get("headers") or {}).items()}
    headers.setdefault("User-Agent", USER_AGENT)
    headers["Idempotency-Key"] = idempotency_key
    if not any(name.lower() == "host" for name in headers):
        headers["Host"] = target.netloc.decode("ascii")  # what httpx would send for the name
    body = request.get("body")
    content = None
    if body is not None:
        content = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    host = target.raw_host.decode("ascii")
    extensions = {"sni_hostname": host} if target.scheme == "https" else {}
    client = client_for(host)
    failure: httpx.HTTPError | None = None
    for address in addresses:  # in the resolver's order, as a connection to the name would
        try:
            response = client.request(
                request.get("method", "POST"),
                target.copy_with(host=str(address)),
                headers=headers,
                content=content,
                extensions=extensions,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # nothing sent: next one
            failure = exc
            continue
        except httpx.InvalidURL as exc:
            return Failed("config", f"invalid URL: {exc}")
        except httpx.HTTPError as exc:  # timeouts, protocol errors
            return Failed("transient", f"{type(exc).__name__}: {exc}")
        return _outcome(response)
    return Failed("transient", f"{type(failure).__name__}: {failure}")


def _addresses(url: httpx.URL, resolve: Resolver) -> list[Address]:
    """The URL's host as addresses, each once, in the resolver's order; an IP literal as itself.

    Raises OSError when the name does not resolve: the call then fails as it did when httpx
    resolved the name itself, as a transient connection failure.
    """
    host = url.raw_host.decode("ascii")
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    default_port = 443 if url.scheme == "https" else 80
    found = list(
        dict.fromkeys(ipaddress.ip_address(a) for a in resolve(host, url.port or default_port))
    )
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return found


def blocked_address(addresses: Sequence[Address]) -> str:
    """The first of these addresses inside a blocked network, or "" when none is."""
    networks = _networks(tuple(touchflow_settings.WEBHOOK_BLOCKED_NETWORKS))
    for address in addresses:
        mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:169.254.169.254 is the v4 one
        for candidate in (address, mapped):
            if candidate is not None and any(candidate in network for network in networks):
                return str(address)
    return ""


@lru_cache(maxsize=8)
def _networks(specs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(spec, strict=False) for spec in specs)


def _outcome(response: httpx.Response) -> Outcome:
    status = response.status_code
    if 200 <= status < 300:
        return Sent(provider_message_id=f"http-{status}")
    detail = f"HTTP {status}"
    if status == 429:
        return Failed(
            "rate_limited",
            detail,
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )
    if status in (408, 425) or status >= 500:
        return Failed(
            "transient",
            detail,
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )
    if status in (401, 403):
        return Failed("auth", detail)
    if 300 <= status < 400:
        return Failed("config", f"{detail}: redirects are not followed")
    return Failed("content_rejected", detail)
