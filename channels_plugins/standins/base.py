"""What every stand-in shares: a threaded HTTP server on loopback, requests as plain data, a
record of what arrived, and a way to post receipts back to Touchflow."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx


@dataclass(frozen=True)
class StandinRequest:
    method: str
    path: str  # without the query string
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode(), keep_blank_values=True)


@dataclass(frozen=True)
class StandinResponse:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls, payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> StandinResponse:
        return cls(
            status,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )


class Standin:
    """One provider's side of its protocol. Subclasses set `channel` and `provider` (as
    registered), answer `handle` and say how an account points at them (`account_config`).

    `handle` runs on the server's threads: state a subclass keeps must be guarded by
    `self.lock`.
    """

    channel: ClassVar[str]
    provider: ClassVar[str]

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[StandinRequest] = []
        self.url = ""  # set once served

    def handle(self, request: StandinRequest) -> StandinResponse:
        raise NotImplementedError

    def account_config(self) -> dict[str, Any]:
        """A ChannelAccount config for this provider that delivers to this stand-in."""
        raise NotImplementedError

    def post_receipt(
        self, receipt_url: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """Post a receipt as the provider would (the subclass builds and signs the body)."""
        return httpx.post(receipt_url, content=body, headers=dict(headers or {}), timeout=10)

    def _serve(self, request: StandinRequest) -> StandinResponse:
        with self.lock:
            self.requests.append(request)
        return self.handle(request)


@contextmanager
def serving(standin: Standin, host: str = "127.0.0.1", port: int = 0) -> Iterator[Standin]:
    """Serve `standin` until the block ends; its `url` is set meanwhile."""
    httpd = ThreadingHTTPServer((host, port), _handler_for(standin))
    httpd.daemon_threads = True
    standin.url = f"http://{host}:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        httpd.shutdown()
        httpd.server_close()


def _handler_for(standin: Standin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections as with the real one
        # Headers and body go out in two writes: with Nagle on, the body waits for the client's
        # delayed ACK (~40 ms) on every kept-alive request, which benchmarks would measure.
        disable_nagle_algorithm = True

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = StandinRequest(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
            )
            try:
                response = standin._serve(request)
            except Exception as exc:  # noqa: BLE001 - a stand-in bug must show, not hang a client
                response = StandinResponse(500, f"stand-in failed: {exc!r}".encode())
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
