"""A real HTTP server on loopback that records requests and answers from a script.

Stands in for the receivers of webhook calls (and, later, providers' endpoints): tests read
what arrived and choose what each next request gets back. It listens on IPv4 loopback unless
given another address, and speaks HTTPS when given a server TLS context, recording the server
name (SNI) each handshake asked for. With `keep_alive` it speaks HTTP/1.1 and keeps
connections open, so a test can see whether a client reuses one.
"""

from __future__ import annotations

import fcntl
import json
import socket
import ssl
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RecordingServer:
    url: str
    requests: list[Received] = field(default_factory=list)
    replies: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    server_names: list[str | None] = field(default_factory=list)  # SNI, one per TLS handshake

    def reply(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        """Answer the next requests with these statuses, in order; then 200."""
        self.replies.extend((status, headers or {}) for status in statuses)


@contextmanager
def _port_lock(port: int) -> Iterator[None]:
    """Tests that need a fixed port (an example document names it) take turns for it, across
    xdist workers and concurrent runs on the machine; port 0 needs no turn."""
    if port == 0:
        yield
        return
    lock_path = Path(tempfile.gettempdir()) / f"touchflow-test-port-{port}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def recording_server(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    tls: ssl.SSLContext | None = None,
    keep_alive: bool = False,
) -> Iterator[RecordingServer]:
    with _port_lock(port), _serving(port, host, tls, keep_alive) as server:
        yield server


@contextmanager
def _serving(
    port: int, host: str, tls: ssl.SSLContext | None, keep_alive: bool
) -> Iterator[RecordingServer]:
    server_state = RecordingServer(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            server_state.requests.append(
                Received(self.command, self.path, dict(self.headers.items()), body)
            )
            status, headers = server_state.replies.popleft() if server_state.replies else (200, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            return

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    httpd = Server((host, port), Handler)
    scheme = "http"
    if tls is not None:
        scheme = "https"
        tls.sni_callback = lambda _socket, name, _context: server_state.server_names.append(name)
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    netloc = f"[{host}]" if ":" in host else host
    server_state.url = f"{scheme}://{netloc}:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()
