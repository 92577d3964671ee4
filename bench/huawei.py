"""The Huawei push benchmark: `dispatch_due` through the `huawei` provider against its stand-in.

Run by `make bench` (or `python bench/huawei.py [--n N] [--quick]`); the last line printed is
JSON. N pending transactional push messages (default 20,000) of identical content, each to its
own device token, are drained by `dispatch_due` claiming 1,000 at a time, so every claim goes
out as one messages:send request of 1,000 tokens (plus one OAuth token for the whole run).
In the same run a bare loop makes the same HTTP calls with an `httpx.Client` against the same
stand-in: one token request, then one request per 1,000 tokens with the same payload, parsing
each answer. `dispatch_huawei_vs_bare` = dispatch msgs/s ÷ bare msgs/s: near 1 means the
stand-in's HTTP is what limits, far below 1 means dispatch does.

Every message must end `sent` (`dispatch_huawei_sent` equals N), and the stand-in must have
received every token exactly once per loop.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import measured_on_scratch_database, print_figures
from bench.dispatch import create_messages, figures, timed_dispatch

CLAIM = 1_000  # dispatch's claim size here: one full messages:send request per claim
CONTENT = {"title": "Your order shipped", "body": "It arrives tomorrow between 9 and 12."}


def push_token(tag: str, index: int) -> dict[str, Any]:
    """A contact reached by one Huawei device token, about as long as real ones."""
    token = f"IQAAAACy0{tag}{index:08d}" + "x" * 100
    return {"push_tokens": [{"provider": "huawei", "token": token}]}


def bare_loop(standin: Any, tokens: list[str]) -> float:
    """Seconds a plain httpx loop takes to make dispatch's HTTP calls for `tokens`."""
    import httpx

    config = standin.account_config()
    url = f"{config['push_url']}/v1/{config['client_id']}/messages:send"
    start = time.perf_counter()
    with httpx.Client() as client:
        form = {
            "grant_type": "client_credentials",
            "client_id": config["client_id"],
            "client_secret": config["client_secret"],
        }
        access = client.post(config["token_url"], data=form).json()["access_token"]
        headers = {
            "Authorization": f"Bearer {access}",
            "Content-Type": "application/json; charset=UTF-8",
        }
        for first in range(0, len(tokens), CLAIM):
            message = {
                "notification": CONTENT,
                "android": {"notification": {**CONTENT, "click_action": {"type": 3}}},
                "token": tokens[first : first + CLAIM],
            }
            body = json.dumps({"validate_only": False, "message": message}).encode()
            answer = client.post(url, content=body, headers=headers).json()
            assert answer["code"] == "80000000", answer
    return time.perf_counter() - start


def measure_huawei(count: int) -> dict[str, Any]:
    from channels_plugins.standins.base import serving
    from channels_plugins.standins.huawei import HuaweiStandin

    standin = HuaweiStandin()
    with serving(standin):
        messages = create_messages(
            "huawei",
            standin.account_config(),
            count,
            "huawei",
            channel="push",
            content=CONTENT,
            address=push_token,
        )
        seconds, sent = timed_dispatch(count, "huawei", limit=CLAIM)
        requests = len(standin.send_requests())
        tokens = [push_token("huawei", i)["push_tokens"][0]["token"] for i in range(count)]
        assert len(messages) == count
        assert len(standin.delivered) == count, len(standin.delivered)
        bare = bare_loop(standin, tokens)
        assert len(standin.delivered) == 2 * count, len(standin.delivered)
    return {
        **figures("huawei", count, sent, seconds, bare),
        "dispatch_huawei_requests": requests,
    }


def run(count: int) -> dict[str, Any]:
    return measured_on_scratch_database(measure_huawei, count, "dispatch_huawei_peak_rss_mb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="messages through huawei")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2,000 messages")
    args = parser.parse_args()
    results = run(2_000 if args.quick else args.n)
    print_figures(results)


if __name__ == "__main__":
    main()
