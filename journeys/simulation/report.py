"""What a simulation shows: per-node counts in the stats shape, conversions, sample walks.

Read from the simulation's own database once the clock stopped, in a handful of grouped
queries. A node's `entered` counts visits: those that left it (one step-log row each, an exit
included) plus enrollments still sitting there or ended there by a goal, an exit event or a
failure (which write no step).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db.models import Count

from channels_plugins.models import Message, MessageStatus
from journeys.models import LIVE_STATUSES, Enrollment, EnrollmentStatus, StepLog
from journeys.simulation.loop import Loop, Outcome
from journeys.simulation.schema import MAX_SAMPLES

# Message statuses that count toward each counter: statuses only move forward, so a clicked
# message was also sent, delivered (as far as we know) and opened.
HANDED_OVER = (
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.OPENED,
    MessageStatus.CLICKED,
    MessageStatus.BOUNCED,
)
COUNTED: dict[str, tuple[str, ...]] = {
    "sent": HANDED_OVER,
    "delivered": (MessageStatus.DELIVERED, MessageStatus.OPENED, MessageStatus.CLICKED),
    "opened": (MessageStatus.OPENED, MessageStatus.CLICKED),
    "clicked": (MessageStatus.CLICKED,),
    "failed": (MessageStatus.FAILED,),
    "skipped": (MessageStatus.SKIPPED,),
}


def empty_counts() -> dict[str, Any]:
    counts: dict[str, Any] = {"entered": 0, "waiting": 0, "passed": 0, "ports": {}}
    counts.update(dict.fromkeys(COUNTED, 0))
    counts["converted"] = 0
    return counts


def report(loop: Loop, outcome: Outcome) -> dict[str, Any]:
    node_ids = [node["id"] for node in loop.world.version.definition["nodes"]]
    nodes = {node_id: empty_counts() for node_id in node_ids}
    _step_counts(nodes)
    _resting_counts(nodes)
    _message_counts(nodes)
    converted = _converted_counts(nodes)
    entered = Enrollment.objects.count()
    return {
        "start": loop.start.isoformat(),
        "end": loop.end.isoformat(),
        "days": (loop.end - loop.start).days,
        "seed": loop.seed,
        "complete": outcome.complete,
        "simulated_until": outcome.until.isoformat(),
        "population": len(loop.world.contacts),
        "entered": entered,
        "nodes": nodes,
        "conversions": {
            "count": converted,
            "rate": round(converted / entered, 4) if entered else 0,
        },
        "messages": _sent_by_channel(),
        "script": [
            {"event": line.event, "node": line.node, "fired": outcome.fired.get(line.index, 0)}
            for line in loop.lines
        ],
        "samples": samples(loop.by_pk),
        "steps": outcome.moments,
    }


def _step_counts(nodes: dict[str, dict[str, Any]]) -> None:
    rows = StepLog.objects.values_list("node_id", "port").annotate(n=Count("id"))
    for node_id, port, n in rows:
        counts = nodes.setdefault(node_id, empty_counts())
        counts["passed"] += n
        counts["entered"] += n
        if port:
            counts["ports"][port] = counts["ports"].get(port, 0) + n


def _resting_counts(nodes: dict[str, dict[str, Any]]) -> None:
    """Enrollments that stopped at a node without a step there: still waiting, or ended by a
    goal, an exit event or a failure. A completed one logged its exit step already."""
    rows = (
        Enrollment.objects.exclude(status=EnrollmentStatus.COMPLETED)
        .values_list("node_id", "status")
        .annotate(n=Count("id"))
    )
    for node_id, status, n in rows:
        counts = nodes.setdefault(node_id, empty_counts())
        counts["entered"] += n
        if status in LIVE_STATUSES:
            counts["waiting"] += n


def _message_counts(nodes: dict[str, dict[str, Any]]) -> None:
    rows = Message.objects.values_list("node_id", "status").annotate(n=Count("id"))
    for node_id, status, n in rows:
        counts = nodes.setdefault(node_id, empty_counts())
        for name, statuses in COUNTED.items():
            if status in statuses:
                counts[name] += n


def _converted_counts(nodes: dict[str, dict[str, Any]]) -> int:
    """Converted enrollments, and per node those of them that entered it."""
    converted = Enrollment.objects.filter(converted_at__isnull=False)
    visited: dict[str, set[int]] = defaultdict(set)
    for enrollment_id, node_id in StepLog.objects.filter(enrollment__in=converted).values_list(
        "enrollment_id", "node_id"
    ):
        visited[node_id].add(enrollment_id)
    for enrollment_id, node_id in converted.values_list("pk", "node_id"):
        visited[node_id].add(enrollment_id)
    for node_id, enrollments in visited.items():
        nodes.setdefault(node_id, empty_counts())["converted"] = len(enrollments)
    return converted.count()


def _sent_by_channel() -> dict[str, int]:
    rows = (
        Message.objects.filter(status__in=HANDED_OVER)
        .values_list("channel")
        .annotate(n=Count("id"))
        .order_by("channel")
    )
    return dict(rows)


def samples(contacts: Mapping[int, str]) -> list[dict[str, Any]]:
    """Up to MAX_SAMPLES walks: one for each distinct route first, commonest routes first,
    then more of the commonest. Each shows the steps taken and where it rests."""
    steps: dict[int, list[tuple[str, str, datetime]]] = defaultdict(list)
    for enrollment_id, node_id, port, at in StepLog.objects.order_by(
        "enrollment_id", "visit"
    ).values_list("enrollment_id", "node_id", "port", "at"):
        steps[enrollment_id].append((node_id, port, at))
    enrollments = {
        pk: (contact_id, node_id, status, converted_at)
        for pk, contact_id, node_id, status, converted_at in Enrollment.objects.order_by(
            "pk"
        ).values_list("pk", "contact_id", "node_id", "status", "converted_at")
    }
    routes: dict[tuple[tuple[str, str], ...], list[int]] = defaultdict(list)
    for pk, (_, node_id, status, _) in enrollments.items():
        route = tuple((node, port) for node, port, _ in steps[pk])
        if status != EnrollmentStatus.COMPLETED:
            route = (*route, (node_id, status))
        routes[route].append(pk)
    chosen = _pick(sorted(routes.values(), key=lambda pks: (-len(pks), pks[0])))
    arrived = dict(
        Enrollment.objects.filter(pk__in=chosen).values_list("pk", "context__arrived_at")
    )
    result = []
    for pk in chosen:
        contact_id, node_id, status, converted_at = enrollments[pk]
        path: list[dict[str, Any]] = [
            {"node": node, "port": port or None, "at": at.isoformat()}
            for node, port, at in steps[pk]
        ]
        if status != EnrollmentStatus.COMPLETED:
            path.append({"node": node_id, "port": None, "at": arrived.get(pk)})
        result.append(
            {
                "contact": contacts.get(contact_id, str(contact_id)),
                "status": status,
                "converted": converted_at is not None,
                "path": path,
            }
        )
    return result


def _pick(groups: Iterable[list[int]]) -> list[int]:
    """Round-robin over route groups (largest first) until MAX_SAMPLES are chosen."""
    queues = [list(group) for group in groups]
    chosen: list[int] = []
    depth = 0
    while len(chosen) < MAX_SAMPLES and any(depth < len(q) for q in queues):
        for queue in queues:
            if depth < len(queue) and len(chosen) < MAX_SAMPLES:
                chosen.append(queue[depth])
        depth += 1
    return sorted(chosen)
