"""The dispatch benchmark: what `dispatch_due` costs on top of the provider calls it makes.

Run by `make bench` (or `python bench/dispatch.py [--n N] [--smtp-n M] [--quick]`); the last
line printed is JSON. One process, one fresh SQLite file configured as in production:

- sandbox: N pending email messages (default 20,000) written in bulk, then drained by
  `dispatch_due` (claim, policies, provider call, bulk record) and timed. In the same run a
  bare loop makes the same `SandboxProvider.send` calls, in batches of dispatch's size, with
  the same outbound messages and nothing else. `dispatch_sandbox_vs_bare` = dispatch msgs/s ÷
  bare msgs/s: the share of the ceiling the engine keeps (the sandbox costs almost nothing, so
  this is engine overhead alone).
- smtp: M messages (default 2,000) through the `smtp` provider to a local aiosmtpd server,
  which reuses one SMTP session per account per batch; the bare loop sends the same emails
  (built by the provider's own `build_email`) with `smtplib` over one connection.
  `dispatch_smtp_vs_bare` is the same ratio: near 1 means the engine is not what limits email.
  `dispatch_smtp_sessions` counts the SMTP sessions dispatch opened (one per batch of 500).

Every message must end `sent` (`*_sent` equals N): a figure from a run that skipped or failed
messages would measure nothing.
"""

from __future__ import annotations

import argparse
import smtplib
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import peak_rss_mb, print_figures, setup_django

NOW = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)
BATCH = 500  # dispatch_due's default claim size, used by the bare loops too
CONTENT = {"subject": "Your weekly picks", "body_text": "Hello, here is what is new this week."}


def email_address(tag: str, index: int) -> dict[str, Any]:
    return {"email": f"{tag}{index}@example.test"}


def create_messages(
    provider: str,
    config: dict[str, Any],
    count: int,
    tag: str,
    *,
    channel: str = "email",
    content: dict[str, Any] = CONTENT,
    address: Callable[[str, int], dict[str, Any]] = email_address,
) -> list[Any]:
    """`count` pending transactional messages of fresh contacts on a new account; `address`
    gives each contact's fields that reach it on `channel` (its email by default)."""
    from channels_plugins.models import ChannelAccount, Message, MessageCategory, MessageStatus
    from core.models import Contact, Workspace

    workspace = Workspace.objects.create(slug=f"bench-{tag}", name=tag, timezone="UTC")
    account = ChannelAccount.objects.create(
        workspace=workspace, name=tag, channel=channel, provider=provider, config=config
    )
    contacts = Contact.objects.bulk_create(
        Contact(
            workspace=workspace,
            external_id=f"{tag}{i}",
            created_at=NOW,
            updated_at=NOW,
            **address(tag, i),
        )
        for i in range(count)
    )
    return Message.objects.bulk_create(
        (
            Message(
                workspace=workspace,
                contact=contact,
                channel=channel,
                account=account,
                category=MessageCategory.TRANSACTIONAL,
                content=content,
                idempotency_key=f"bench-{tag}-{contact.pk}",
                status=MessageStatus.PENDING,
                created_at=NOW,
            )
            for contact in contacts
        ),
        batch_size=1000,
    )


def timed_dispatch(count: int, tag: str, limit: int = BATCH) -> tuple[float, int]:
    """Seconds `dispatch_due` took to drain what is due (claiming `limit` at a time), and how
    many messages ended sent."""
    from channels_plugins.dispatch import dispatch_due
    from channels_plugins.models import Message, MessageStatus

    start = time.perf_counter()
    report = dispatch_due(NOW, limit=limit)
    seconds = time.perf_counter() - start
    assert report.dispatched == count, report
    return seconds, Message.objects.filter(account__name=tag, status=MessageStatus.SENT).count()


def outbound(messages: list[Any]) -> list[Any]:
    from channels_plugins.base import OutboundMessage

    return [
        OutboundMessage(m.pk, m.contact.email, dict(m.content), m.idempotency_key) for m in messages
    ]


def measure_sandbox(count: int) -> dict[str, Any]:
    from channels_plugins.builtin.sandbox import SANDBOX

    messages = create_messages("sandbox", {}, count, "sandbox")
    seconds, sent = timed_dispatch(count, "sandbox")
    items = outbound(messages)
    start = time.perf_counter()
    accepted = 0
    for first in range(0, len(items), BATCH):
        accepted += len(SANDBOX.send({}, items[first : first + BATCH]))
    bare = time.perf_counter() - start
    assert accepted == count
    return figures("sandbox", count, sent, seconds, bare)


def measure_smtp(count: int) -> dict[str, Any]:
    from channels_plugins.builtin.smtp import SmtpAccount, build_email
    from channels_plugins.models import Message
    from tests.support.smtp import smtp_server

    with smtp_server() as server:
        config = server.config()
        create_messages("smtp", config, count, "smtp")
        seconds, sent = timed_dispatch(count, "smtp")
        sessions = server.sessions  # one per batch when the connection is reused
        account = SmtpAccount.from_config(config)
        messages = list(Message.objects.filter(account__name="smtp").select_related("contact"))
        emails = [build_email(account, item) for item in outbound(messages)]
        start = time.perf_counter()
        with smtplib.SMTP(server.host, server.port, timeout=account.timeout) as connection:
            for email in emails:
                connection.sendmail(
                    account.from_address, email.recipients(), email.message().as_bytes()
                )
        bare = time.perf_counter() - start
        assert len(server.received) == 2 * count, len(server.received)
    return {**figures("smtp", count, sent, seconds, bare), "dispatch_smtp_sessions": sessions}


def figures(name: str, count: int, sent: int, seconds: float, bare: float) -> dict[str, Any]:
    rate, bare_rate = count / seconds, count / bare
    return {
        f"dispatch_{name}_n": count,
        f"dispatch_{name}_sent": sent,
        f"dispatch_{name}_msgs_per_s": round(rate),
        f"dispatch_{name}_bare_msgs_per_s": round(bare_rate),
        # Three significant digits: the sandbox's ratio is far below 0.01.
        f"dispatch_{name}_vs_bare": float(f"{rate / bare_rate:.3g}"),
    }


def run(count: int, smtp_count: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(var_dir)
        results = {**measure_sandbox(count), **measure_smtp(smtp_count)}
    return {**results, "dispatch_peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="messages through the sandbox")
    parser.add_argument("--smtp-n", type=int, default=2_000, help="messages through smtp")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1,000 and 100")
    args = parser.parse_args()
    count, smtp_count = (1_000, 100) if args.quick else (args.n, args.smtp_n)
    results = run(count, smtp_count)
    print_figures(results)


if __name__ == "__main__":
    main()
