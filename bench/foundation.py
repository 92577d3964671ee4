"""Foundation benchmarks: ingestion and validation, each as a ratio to a bare baseline.

Run with `make bench`. Uses a throwaway SQLite file (WAL, as in production's default), so
figures compare Touchflow's path with the database's own rate on the same machine in the same
run. The last line printed is JSON.

- `ingest_batch_events_per_s`: events through POST /api/v1/batch/ (auth, parsing, validation,
  dedup by messageId, one transaction per item), in-process WSGI, 1,000 items per call.
- `raw_event_inserts_per_s`: the same rows through `bulk_create` (the ceiling).
- `validate_200_nodes_per_s`: validate_document on a 200-node journey.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import setup_django, timed  # noqa: E402 - needs ROOT on the path first


def bench_ingest(events: int) -> dict[str, float]:
    from django.test import Client

    from core.models import Contact, Event, Workspace
    from core.services.apikeys import create_api_key

    workspace = Workspace.objects.create(slug=f"bench-{time.time_ns()}", name="Bench")
    _, key = create_api_key(workspace)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    per_call = 1_000

    def through_api() -> None:
        for start in range(0, events, per_call):
            batch = [
                {
                    "type": "track",
                    "userId": f"u{i % 500}",
                    "event": "viewed",
                    "properties": {"i": i},
                    "messageId": f"m{i}",
                }
                for i in range(start, min(start + per_call, events))
            ]
            response = client.post(
                "/api/v1/batch/", {"batch": batch}, content_type="application/json"
            )
            assert response.status_code == 200, response.content[:200]

    api_seconds = timed(through_api)
    assert Event.objects.filter(workspace=workspace).count() == events

    contacts = list(Contact.objects.filter(workspace=workspace))
    now = datetime.now(UTC)

    def raw() -> None:
        rows = [
            Event(
                workspace=workspace,
                contact=contacts[i % len(contacts)],
                name="raw",
                properties={"i": i},
                occurred_at=now,
                received_at=now,
                source_id=f"r{i}",
            )
            for i in range(events)
        ]
        Event.objects.bulk_create(rows, batch_size=1_000)

    raw_seconds = timed(raw)
    return {
        "ingest_batch_events_per_s": round(events / api_seconds),
        "raw_event_inserts_per_s": round(events / raw_seconds),
        "ingest_vs_raw": round(raw_seconds / api_seconds, 3),
    }


def two_hundred_node_journey() -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [
        {"id": "start", "type": "entry", "config": {"trigger": {"kind": "api"}}}
    ]
    edges: list[dict[str, Any]] = []
    previous = "start"
    for index in range(198):
        node_id = f"n{index}"
        if index % 2:
            nodes.append({"id": node_id, "type": "wait", "config": {"duration": "PT1H"}})
        else:
            nodes.append(
                {
                    "id": node_id,
                    "type": "send",
                    "config": {
                        "channel": "push",
                        "account": "push-main",
                        "params": {
                            "title": "Hi {{ contact.first_name }}",
                            "body": f"Message {index}",
                        },
                    },
                }
            )
        edges.append({"from": previous, "to": node_id})
        previous = node_id
    nodes.append({"id": "done", "type": "exit"})
    edges.append({"from": previous, "to": "done"})
    return {"schema_version": 1, "settings": {}, "nodes": nodes, "edges": edges, "ui": {}}


def bench_validation(rounds: int) -> dict[str, float]:
    from channels_plugins.registry import get_registry
    from journeys.validation import References, validate_document

    registry = get_registry()
    references = References(
        channels={name: c.params_schema for name, c in registry.channels.items()},
        accounts={"push-main": "push"},
        segments=frozenset(),
    )
    document = two_hundred_node_journey()
    assert validate_document(document, references) == []
    seconds = timed(lambda: [validate_document(document, references) for _ in range(rounds)])
    return {"validate_200_nodes_per_s": round(rounds / seconds, 1)}


def main() -> None:
    events = int(os.environ.get("BENCH_EVENTS", "10000"))
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(var_dir)
        results = {**bench_ingest(events), **bench_validation(rounds=20)}
    for name, value in results.items():
        print(f"{name:>28}: {value}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
