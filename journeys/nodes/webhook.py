"""The webhook node: render the call and hand it to the outbox, which delivers it with retries.

The url, header values and every string leaf of the body are templates over the same data as
message params. The call itself happens in dispatch, never in the walker, so a slow endpoint
cannot hold a batch of enrollments and a retry cannot repeat a step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from journeys.nodes.base import CallWebhook, Transition, Visit
from journeys.nodes.outcome import awaiting_outcome, deliver, settle
from journeys.nodes.templates import render_params


def webhook(visit: Visit) -> Transition:
    if awaiting_outcome(visit):
        return settle(visit)
    config = visit.config
    rendered, error = render_params(request_template(config), visit)
    request = {**rendered, "method": request_method(config)} if rendered else {}
    return deliver(visit, CallWebhook(request=request, error=error))


def request_template(config: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of the call that are templates, keyed as in the node's config (so a key is
    also the pointer step to that part in the document)."""
    return {
        "url": config["url"],
        "headers": dict(config.get("headers") or {}),
        "body": config.get("body"),
    }


def request_method(config: Mapping[str, Any]) -> str:
    return str(config.get("method", "POST")).upper()
