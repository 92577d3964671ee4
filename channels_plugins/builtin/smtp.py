"""The `smtp` provider: email through any SMTP server, with Django's SMTP backend.

One connection per account per batch: the session is opened once and every message of the
batch goes through it (a lost session is reopened once, and if that fails the rest of the batch
fails the same way). Each message gets its own outcome, so one refused recipient never fails
its neighbours. The Message-ID is derived from our idempotency key: a retry carries the same
Message-ID, so a duplicate that reaches a mailbox can be recognized downstream, and it is what
we return as the provider's message id. What the server's replies mean is `smtp_replies`' job.
A message with an `unsubscribe_url` (marketing email; see `channels_plugins.tracking`) gets the
RFC 8058 one-click `List-Unsubscribe` headers.

SMTP reports bounces by mail, long after the session; a bounce processor (the mail server's
hook, a script reading the bounce mailbox) posts them to the account's receipt URL, signed as
`signed_receipts` describes: `{"bounces": [{"id", "provider_message_id" | "message_id" |
"idempotency_key", "kind": "hard" | "soft", "recipient"?, "smtp_code"?, "diagnostic"?,
"occurred_at"?}]}` (docs/receipts.md). Each becomes `message.bounced`; a hard one also makes
the address unusable, so later email to it is skipped as `invalid_recipient`.

Django 6.1 replaces `get_connection()` settings with named `MAILERS`; the backend is built in
`SmtpAccount.backend` only, so that move touches one function.
"""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import sanitize_address
from jsonschema import Draft202012Validator

from channels_plugins import signed_receipts
from channels_plugins.base import (
    Failed,
    OutboundMessage,
    Outcome,
    Provider,
    Receipt,
    ReceiptRequest,
    Sent,
)
from channels_plugins.builtin.smtp_replies import failure_for
from channels_plugins.hookspecs import hookimpl
from channels_plugins.schema_fields import schema_field

DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
DEFAULT_TIMEOUT = 10.0
MESSAGE_HEADER = "X-Touchflow-Message"


CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["host", "from_address"],
    "properties": {
        "host": schema_field(
            "string", "Host", "The SMTP server, e.g. smtp.example.com.", minLength=1
        ),
        "port": schema_field(
            "integer",
            "Port",
            "Leave empty for the usual port of the security chosen: 25, 587 (STARTTLS) or "
            "465 (SSL).",
            minimum=1,
            maximum=65535,
        ),
        "security": schema_field(
            "string",
            "Security",
            "How the connection is encrypted: none, STARTTLS after connecting, or SSL/TLS "
            "from the start.",
            enum=["none", "starttls", "ssl"],
            default="starttls",
        ),
        "username": schema_field(
            "string", "Username", "The login; leave empty for a server that needs none."
        ),
        "password": schema_field(
            "string", "Password", "The login's password (stored, never shown).", writeOnly=True
        ),
        "from_address": schema_field(
            "string",
            "From address",
            "The sender address every message uses; it also names the Message-ID's domain.",
            format="email",
            minLength=3,
        ),
        "from_name": schema_field(
            "string",
            "From name",
            "The sender name shown when a send node does not set one.",
        ),
        "unsubscribe_mailto": schema_field(
            "string",
            "Unsubscribe mailbox",
            "An address that takes unsubscribe requests by email; marketing email then lists "
            "it in List-Unsubscribe beside the one-click link. Leave empty for the link only.",
            format="email",
        ),
        "timeout": schema_field(
            "number",
            "Timeout",
            "Seconds to wait for the server before giving up (the message is retried).",
            exclusiveMinimum=0,
            maximum=300,
            default=DEFAULT_TIMEOUT,
        ),
        signed_receipts.SECRET_FIELD: signed_receipts.SECRET_SCHEMA,
    },
}
BOUNCE_KINDS = ("hard", "soft")
MESSAGE_REFS = ("provider_message_id", "message_id", "idempotency_key")
_VALIDATOR = Draft202012Validator(CONFIG_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


class ConfigProblem(ValueError):
    """The account's config cannot send anything; every message of the batch fails `config`."""


@dataclass(frozen=True)
class SmtpAccount:
    host: str
    port: int
    security: str
    username: str
    password: str
    from_address: str  # as sent on the wire (an international domain in its ASCII form)
    from_name: str
    timeout: float
    unsubscribe_mailto: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpAccount:
        """Read a config; it was validated when saved, but the schema may have moved since."""
        errors = sorted(_VALIDATOR.iter_errors(dict(config)), key=lambda e: list(e.path))
        if errors:
            where = "/".join(str(part) for part in errors[0].path) or "config"
            raise ConfigProblem(f"{where}: {errors[0].message}")
        security = str(config.get("security", "starttls"))
        # "Shop <news@shop.example>" is accepted at save: its name is the default sender name.
        name, address = parseaddr(str(config["from_address"]))
        try:
            from_address = sanitize_address(address, "utf-8")
        except ValueError as exc:
            raise ConfigProblem(f"from_address: {exc}") from exc
        return cls(
            host=str(config["host"]),
            port=int(config.get("port") or DEFAULT_PORTS[security]),
            security=security,
            username=str(config.get("username", "")),
            password=str(config.get("password", "")),
            from_address=from_address,
            from_name=str(config.get("from_name") or name),
            timeout=float(config.get("timeout", DEFAULT_TIMEOUT)),
            unsubscribe_mailto=str(config.get("unsubscribe_mailto", "")),
        )

    def backend(self) -> EmailBackend:
        """A closed connection; explicit values throughout, so no EMAIL_* setting leaks in."""
        return EmailBackend(
            host=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.security == "starttls",
            use_ssl=self.security == "ssl",
            timeout=self.timeout,
            ssl_keyfile="",
            ssl_certfile="",
            fail_silently=False,
        )

    @property
    def domain(self) -> str:
        return self.from_address.rpartition("@")[2].lower()


def message_id(idempotency_key: str, domain: str) -> str:
    """The same key gives the same Message-ID, so a retried message is the same email.

    Hashed so the header neither shows our row ids nor breaks on characters it cannot hold.
    """
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}.touchflow@{domain}>"


def list_unsubscribe(account: SmtpAccount, url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: mailbox providers show an unsubscribe button that POSTs
    to `url` without opening a page. None for a message that offers no unsubscribe."""
    if not url:
        return {}
    targets = [f"<{url}>"]
    if account.unsubscribe_mailto:
        targets.append(f"<mailto:{account.unsubscribe_mailto}?subject=unsubscribe>")
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def build_email(account: SmtpAccount, message: OutboundMessage) -> EmailMessage:
    """Plain text, HTML, or both as multipart/alternative, with our identifying headers."""
    content = message.content
    text, html = content.get("body_text"), content.get("body_html")
    sender_name = str(content.get("from_name") or account.from_name)
    reply_to = content.get("reply_to")
    headers = {
        "Message-ID": message_id(message.idempotency_key, account.domain),
        MESSAGE_HEADER: str(message.id),
        **list_unsubscribe(account, message.unsubscribe_url),
    }
    email = EmailMultiAlternatives(
        subject=str(content.get("subject", "")),
        body=str(text if text is not None else html),
        from_email=formataddr((sender_name, account.from_address)),
        to=[message.to],
        reply_to=[str(reply_to)] if reply_to else None,
        headers=headers,
    )
    if text is None:
        email.content_subtype = "html"  # HTML only: a single text/html part
    elif html is not None:
        email.attach_alternative(str(html), "text/html")
    return email


class _Session:
    """One SMTP session for a batch; reopened once after the server drops it."""

    def __init__(self, backend: EmailBackend) -> None:
        self.backend = backend
        self.unusable: Failed | None = None  # why the session could not be (re)opened

    def deliver(self, email: EmailMessage) -> Failed | None:
        if self.unusable is not None:
            return self.unusable
        if self.backend.connection is None:
            try:
                self.backend.open()
            except OSError as exc:  # smtplib's errors are OSErrors too
                self.unusable = failure_for(exc)
                return self.unusable
        try:
            self.backend.send_messages([email])
        except OSError as exc:
            if self._lost(exc):
                self.close()
            return failure_for(exc)
        return None

    def _lost(self, exc: OSError) -> bool:
        """Whether the session is gone: a reply of 421 makes smtplib close it itself."""
        connection = self.backend.connection
        return (
            not isinstance(exc, smtplib.SMTPException)
            or isinstance(exc, smtplib.SMTPServerDisconnected)
            or connection is None
            or getattr(connection, "sock", None) is None
        )

    def close(self) -> None:
        # QUIT refused or the socket gone: close() has let go of the connection anyway.
        with contextlib.suppress(OSError):
            self.backend.close()


class SmtpProvider(Provider):
    def send(self, config: Mapping[str, Any], messages: Sequence[OutboundMessage]) -> list[Outcome]:
        try:
            account = SmtpAccount.from_config(config)
        except ConfigProblem as exc:
            return [Failed("config", str(exc))] * len(messages)
        session = _Session(account.backend())
        try:
            return [self._send_one(session, account, message) for message in messages]
        finally:
            session.close()

    def _send_one(
        self, session: _Session, account: SmtpAccount, message: OutboundMessage
    ) -> Outcome:
        try:
            sanitize_address(message.to, "utf-8")
        except ValueError as exc:
            return Failed("invalid_recipient", f"{message.to!r}: {exc}")
        if message.content.get("body_text") is None and message.content.get("body_html") is None:
            return Failed("content_rejected", "neither body_text nor body_html")
        email = build_email(account, message)
        try:
            failure = session.deliver(email)
        except ValueError as exc:  # a header Django refuses (a newline in the subject, …)
            return Failed("content_rejected", str(exc))
        return failure or Sent(email.extra_headers["Message-ID"])

    def verify_receipt(self, config: Mapping[str, Any], request: ReceiptRequest) -> None:
        signed_receipts.verify(config, request)

    def parse_receipts(self, config: Mapping[str, Any], request: ReceiptRequest) -> list[Receipt]:
        """Bounce reports; each names its message by one of MESSAGE_REFS."""
        reader = signed_receipts.ItemReader()
        receipts = []
        for path, raw in signed_receipts.items(request, "bounces"):
            item = reader.object(path, raw)
            if item is not None:
                receipts.append(_bounce(reader, item, path))
        reader.check()
        return receipts


def _bounce(reader: signed_receipts.ItemReader, item: Mapping[str, Any], path: str) -> Receipt:
    refs = [name for name in MESSAGE_REFS if item.get(name) is not None]
    if len(refs) != 1:
        reader.problem(path, "message_ref", f"Name the message by exactly one of {MESSAGE_REFS}.")
    message_id = None
    raw_id = item.get("message_id")
    if raw_id is not None:
        text = str(raw_id) if isinstance(raw_id, int | str) and not isinstance(raw_id, bool) else ""
        if not text.isdigit() or len(text) > 18:
            reader.problem(f"{path}/message_id", "invalid", "message_id must be our message id.")
        else:
            message_id = int(text)
    kind = item.get("kind")
    if kind not in BOUNCE_KINDS:
        reader.problem(f"{path}/kind", "invalid", "kind must be hard or soft.")
    code = item.get("smtp_code")
    if code is not None and (
        not isinstance(code, int) or isinstance(code, bool) or not 400 <= code <= 599
    ):
        reader.problem(f"{path}/smtp_code", "invalid", "smtp_code must be an integer 400-599.")
    detail: dict[str, Any] = {"bounce_kind": kind}
    if code is not None:
        detail["smtp_code"] = code
    diagnostic = reader.text(item, path, "diagnostic", required=False, max_length=1000)
    if diagnostic:
        detail["diagnostic"] = diagnostic
    return Receipt(
        id=reader.receipt_id(item, path),
        event="message.bounced",
        provider_message_id=reader.text(
            item, path, "provider_message_id", required=False, max_length=200
        ),
        message_id=message_id,
        idempotency_key=reader.text(item, path, "idempotency_key", required=False, max_length=200),
        occurred_at=reader.occurred_at(item, path),
        detail=detail,
        address_unusable=kind == "hard",
        recipient=reader.text(item, path, "recipient", required=False, max_length=320),
    )


SMTP = SmtpProvider(
    name="smtp",
    title="SMTP",
    description="Sends email through an SMTP server of your choice.",
    channels=("email",),
    config_schema=CONFIG_SCHEMA,
    max_batch_size=100,  # one SMTP session carries a whole batch
)


@hookimpl
def touchflow_register_providers(register: Callable[[Provider], None]) -> None:
    register(SMTP)
