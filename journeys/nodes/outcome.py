"""Nodes that wait for their outbox item's outcome: `send` and `webhook` with a `failed` port.

Such a node writes its item and parks (`AwaitOutcome`); dispatch wakes the enrollment once the
outcome is recorded, and the next visit reads it here: delivered (or skipped by a policy, which
keeps its reason) takes `next`, failed or bounced takes `failed`. Without a `failed` port the
enrollment moves on as soon as the item exists, as the contract says.
"""

from __future__ import annotations

from datetime import timedelta

from journeys.nodes.base import AWAITING, Advance, AwaitOutcome, Effect, Transition, Visit

FAILED_PORT = "failed"
# Statuses that settle an outcome. `pending` and `sending` do not (a retry may still succeed).
SETTLED = frozenset({"sent", "delivered", "opened", "clicked", "bounced", "failed", "skipped"})
FAILED = frozenset({"failed", "bounced"})
# How long a parked enrollment trusts dispatch's wake before looking for itself.
RECHECK_AFTER = timedelta(minutes=15)


def awaiting_outcome(visit: Visit) -> bool:
    awaiting = visit.data.get(AWAITING) or {}
    return bool(awaiting.get("outcome")) and awaiting.get("node") == visit.node["id"]


def settle(visit: Visit) -> Transition:
    """The port for the item this visit wrote, or keep waiting while it is unsettled."""
    message = visit.messages.get(visit.node["id"])
    if message is None or message.status not in SETTLED:
        return AwaitOutcome(visit.now + RECHECK_AFTER)
    port = FAILED_PORT if message.status in FAILED else "next"
    return Advance(port, detail={"message": message.id, "status": message.status})


def deliver(visit: Visit, item: Effect) -> Transition:
    """Write the item; wait for its outcome only when the `failed` port is wired."""
    if FAILED_PORT in visit.wired_ports:
        return AwaitOutcome(visit.now + RECHECK_AFTER, effects=(item,))
    return Advance("next", effects=(item,))
