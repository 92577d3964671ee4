"""Recording walker passes: their step-log rows and the per-node visit counts, together.

Everything that logs visits goes through `record_passes`, so the counts the stats read
(`NodeVisitCount`) always agree with the passes written in the same transaction.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections

from core.bulk import insert_tuples
from journeys.models import NodeVisitCount, PassLog


class PassRow(NamedTuple):
    """A PassLog row to insert: one per enrollment a pass walked, holding its visits."""

    enrollment_id: int
    first_visit: int
    at: datetime
    visits: list[list[Any]]  # [node_id, port] or [node_id, port, detail], as PassLog stores


def record_passes(passes: Sequence[PassRow], versions: Mapping[int, int]) -> None:
    """Insert the passes that made visits, and add their visits to the node counts.

    `versions` gives each pass's enrollment's version id. Call it inside the transaction that
    writes the enrollments back: the counts must commit or roll back with the passes.
    """
    rows = [p for p in passes if p.visits]
    if not rows:
        return
    insert_tuples(PassLog, PassRow._fields, rows)
    counts: Counter[tuple[int, str, str]] = Counter()
    for row in rows:
        version_id = versions[row.enrollment_id]
        counts.update((version_id, visit[0], visit[1]) for visit in row.visits)
    _add_counts(counts)


def _add_counts(counts: Counter[tuple[int, str, str]]) -> None:
    """Add to the counters of one shard, in key order: concurrent write-backs then lock the
    rows they share in the same order, so they can wait for each other but never deadlock."""
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    table = quote(NodeVisitCount._meta.db_table)
    columns = ("version_id", "node_id", "port", "shard", "visits")
    key = ", ".join(quote(column) for column in columns[:4])
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)})"  # noqa: S608 - model names
        f" VALUES (%s, %s, %s, %s, %s) ON CONFLICT ({key})"
        f" DO UPDATE SET {quote('visits')} = {table}.{quote('visits')} + excluded.{quote('visits')}"
    )
    shard = random.randrange(NodeVisitCount.SHARDS)  # noqa: S311 - spreads writes, not a secret
    params = [(*key_, shard, n) for key_, n in sorted(counts.items())]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
