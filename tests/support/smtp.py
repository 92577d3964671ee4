"""A real SMTP server on loopback (aiosmtpd) that records mail and refuses on request.

Tests tell it which recipients to refuse at RCPT TO (`refuse_rcpt`), which to refuse after DATA
(`refuse_data`) and which logins fail; every accepted message is kept with the session it came
in (the client's address and port), so a test can count SMTP sessions too.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass(frozen=True)
class Received:
    peer: tuple[str, int]  # the client's end of the session that carried it
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    login: str | None


@dataclass
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # address -> full reply line
    refuse_data: dict[str, str] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)  # username -> password accepted
    sessions: int = 0  # EHLO/HELO greetings answered after connecting

    def config(self, **extra: Any) -> dict[str, Any]:
        """An `smtp` account config pointing here."""
        return {
            "host": self.host,
            "port": self.port,
            "security": "none",
            "from_address": "news@shop.example",
            **extra,
        }

    def peers(self) -> set[tuple[str, int]]:
        return {item.peer for item in self.received}

    # aiosmtpd handler hooks ------------------------------------------------------------------

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        self.sessions += 1
        return responses

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        for address in envelope.rcpt_tos:
            if address in self.refuse_data:
                return self.refuse_data[address]
        content = envelope.original_content or b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        auth, peer = session.auth_data, session.peer
        assert isinstance(peer, tuple)  # an INET socket's (host, port)
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        self.received.append(
            Received(
                peer=(str(peer[0]), int(peer[1])),
                mail_from=str(envelope.mail_from),
                rcpt_tos=tuple(envelope.rcpt_tos),
                message=parsed,
                login=login,
            )
        )
        return "250 Message accepted"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        username, password = data.login.decode(), data.password.decode()
        ok = self.logins.get(username) == password
        # handled=False: aiosmtpd answers a failure with its own 535 (True would answer nothing).
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)


class _LoopbackController(Controller):
    """Binds port 0 and learns the port the system chose before aiosmtpd connects to it."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    state = SmtpServer()
    controller = _LoopbackController(
        state,
        hostname=state.host,
        port=0,
        authenticator=state.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    state.port = controller.port
    try:
        yield state
    finally:
        controller.stop()
