"""SMTP replies and client errors, mapped to the normalized failure kinds (base.Failed).

The engine acts on kinds, never on codes (ARCHITECTURE.md §3), so this is the one place that
knows what an SMTP server meant. The reply code decides, refined by the enhanced status code
(RFC 3463) where the bare code is ambiguous:

- 4xx is temporary (RFC 5321 §4.2.1): `transient`, retried by the dispatcher.
- 550/551/553 refuse the mailbox (unknown, not local, bad name): `invalid_recipient`, and only
  when said about a recipient; said about our sender, the account is at fault (`config`).
- 552 "exceeded storage allocation" is the recipient's full mailbox (5.2.2): `recipient_capped`,
  the address stays good. RFC 5321 §4.5.3.1.10 asks clients to treat 552 "too many recipients"
  (5.5.3) as temporary, and 5.3.4 means the message itself is too big (`content_rejected`).
- 554 "transaction failed" is a policy refusal (spam, virus, blocked content):
  `content_rejected`, which never marks the address unusable; said about our sender or the
  session (e.g. a greeting of "no SMTP service here"), it is `config`.
- 535 (bad credentials) is `auth`; 530/534/538 ask for STARTTLS or a stronger mechanism, which
  is how the account is set up (`config`).
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl

from channels_plugins.base import Failed

INVALID_MAILBOX = frozenset({550, 551, 553})
AUTH_SETUP = frozenset({530, 534, 538})
_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")


def reply_text(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else message


def kind_for_reply(code: int, text: str, *, about_recipient: bool) -> str:
    """The kind for one SMTP reply; `about_recipient` when it answered RCPT TO or DATA."""
    enhanced = _ENHANCED.match(text)
    detail = (int(enhanced.group(2)), int(enhanced.group(3))) if enhanced else None
    if 400 <= code < 500:
        return "transient"
    if code == 535:
        return "auth"
    if code in AUTH_SETUP:
        return "config"
    if code == 552:
        if detail == (5, 3):
            return "transient"
        if detail == (3, 4):
            return "content_rejected"
        return "recipient_capped" if about_recipient else "config"
    if code in INVALID_MAILBOX:
        return "invalid_recipient" if about_recipient else "config"
    if 500 <= code < 505:
        return "config"  # a command or parameter the server does not accept: our setup
    # 554 and the rest: refused for this message (policy, content), or, said about our
    # sender or the session, refused for the account.
    return "content_rejected" if about_recipient else "config"


def failure_for(exc: OSError) -> Failed:
    """Normalize what sending one message (or opening the session) raised."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # One recipient per message, so one reply; the first is as good as any.
        code, text = next(iter(exc.recipients.values()))
        return _reply_failure(code, reply_text(text), about_recipient=True)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return _reply_failure(exc.smtp_code, reply_text(exc.smtp_error), about_recipient=False)
    if isinstance(exc, smtplib.SMTPDataError):
        return _reply_failure(exc.smtp_code, reply_text(exc.smtp_error), about_recipient=True)
    if isinstance(exc, smtplib.SMTPResponseException):  # login, HELO, STARTTLS, greeting
        return _reply_failure(exc.smtp_code, reply_text(exc.smtp_error), about_recipient=False)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Failed("config", f"the server does not support it: {exc}")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Failed("transient", f"the server closed the connection: {exc}")
    if isinstance(exc, ssl.SSLError):
        # A certificate that does not verify or a server that does not speak TLS on that port:
        # retrying will not help, the account's security setting or host needs a look.
        return Failed("config", f"TLS failed: {exc}")
    if isinstance(exc, socket.gaierror):
        return Failed("config", f"unknown host: {exc}")
    # Refused or reset connections, timeouts, and anything else the network raised.
    return Failed("transient", f"{type(exc).__name__}: {exc}")


def _reply_failure(code: int, text: str, *, about_recipient: bool) -> Failed:
    return Failed(kind_for_reply(code, text, about_recipient=about_recipient), f"{code} {text}")
