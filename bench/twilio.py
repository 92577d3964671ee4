"""The Twilio benchmark: what dispatch costs on top of the HTTP calls the `twilio` provider makes.

Run by `make bench` (or `python bench/twilio.py [--n N] [--quick]`); the last line printed is
JSON. One process, one fresh SQLite file configured as in production, and the Twilio stand-in
(`channels_plugins.standins.twilio`) on loopback, which checks Basic auth and answers with
Twilio's message resource for every request.

N pending SMS (default 2,000) are drained by `dispatch_due` through the `twilio` provider: one
request per message, batches of the provider's `max_batch_size`, the provider's default
concurrency over one pooled httpx client. In the same run a bare loop makes the same requests
(the provider's own form, Basic auth, the same concurrency over one pooled httpx client) with
nothing else. `dispatch_twilio_vs_bare` = dispatch msgs/s ÷ bare msgs/s: near 1 means the
engine is not what limits SMS through Twilio.

Every message must end `sent` and the stand-in must have accepted twice N messages: a figure from
a run that failed messages would measure nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import measured_on_scratch_database, print_figures
from bench.dispatch import create_messages, figures, timed_dispatch

CONTENT = {"body": "Your code is 123456. It expires in 10 minutes."}


def phone(tag: str, index: int) -> dict[str, Any]:
    """The contact field that reaches the bench's contact `index` by SMS."""
    return {"phone": f"+1415{index:07d}"}


def measure_twilio(count: int) -> dict[str, Any]:
    import httpx

    from channels_plugins.base import OutboundMessage
    from channels_plugins.builtin.twilio import TwilioAccount, message_form
    from channels_plugins.models import ChannelAccount, Message
    from channels_plugins.receipt_hook import receipt_url
    from channels_plugins.standins.base import serving
    from channels_plugins.standins.twilio import TwilioStandin

    standin = TwilioStandin()
    with serving(standin):
        config = standin.account_config()
        create_messages(
            "twilio", config, count, "twilio", channel="sms", content=CONTENT, address=phone
        )
        seconds, sent = timed_dispatch(count, "twilio")
        account = TwilioAccount.from_config(config)
        hook = receipt_url(ChannelAccount.objects.get(name="twilio"))
        messages = Message.objects.filter(account__name="twilio").select_related("contact")
        forms = [
            message_form(
                account,
                OutboundMessage(
                    m.pk,
                    m.contact.phone,
                    dict(m.content),
                    m.idempotency_key,
                    receipt_url=hook,
                ),
            )
            for m in messages
        ]
        auth = (account.account_sid, account.auth_token)
        with httpx.Client(timeout=account.timeout) as client:

            def post(form: dict[str, str]) -> int:
                return client.post(account.messages_url, data=form, auth=auth).status_code

            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=account.concurrency) as pool:
                statuses = list(pool.map(post, forms))
            bare = time.perf_counter() - start
        assert statuses == [201] * count, set(statuses)
        assert len(standin.messages) == 2 * count, len(standin.messages)
    return {
        **figures("twilio", count, sent, seconds, bare),
        "dispatch_twilio_concurrency": account.concurrency,
    }


def run(count: int) -> dict[str, Any]:
    return measured_on_scratch_database(measure_twilio, count, "dispatch_twilio_peak_rss_mb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2_000, help="messages through twilio")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 messages")
    args = parser.parse_args()
    results = run(200 if args.quick else args.n)
    print_figures(results)


if __name__ == "__main__":
    main()
