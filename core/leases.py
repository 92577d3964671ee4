"""Claiming rows under a lease with one statement, on PostgreSQL and SQLite.

Both the journey walker (enrollments) and dispatch (messages) hand each due row to exactly
one worker. PostgreSQL selects the due rows `FOR UPDATE SKIP LOCKED` in a CTE and updates
them in the same statement, so concurrent claimers skip each other's rows instead of waiting.
SQLite runs one `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING` inside a transaction that
began with `BEGIN IMMEDIATE` (settings: `transaction_mode`), so claimers queue on the write
lock and each sees the previous one's marks.

Table, column and condition texts come from code, never from input; values are parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction


@dataclass(frozen=True)
class ClaimQuery:
    table: str
    due: str  # a WHERE condition with %s placeholders
    order_by: str
    assign: str  # a SET list with %s placeholders


def claim_rows(
    query: ClaimQuery,
    *,
    due_params: Sequence[Any],
    assign_params: Sequence[Any],
    limit: int,
) -> list[int]:
    """Mark up to `limit` due rows with `assign` and return their ids, sorted."""
    if connection.vendor == "postgresql":
        sql = (
            f"WITH due AS (SELECT id FROM {query.table} WHERE {query.due}"  # noqa: S608
            f" ORDER BY {query.order_by} LIMIT %s FOR UPDATE SKIP LOCKED)"
            f" UPDATE {query.table} AS claimed SET {query.assign}"
            " FROM due WHERE claimed.id = due.id RETURNING claimed.id"
        )
        params = [*due_params, limit, *assign_params]
    else:
        sql = (
            f"UPDATE {query.table} SET {query.assign} WHERE id IN"  # noqa: S608
            f" (SELECT id FROM {query.table} WHERE {query.due}"
            f" ORDER BY {query.order_by} LIMIT %s) RETURNING id"
        )
        params = [*assign_params, *due_params, limit]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())
