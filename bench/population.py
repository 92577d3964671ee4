"""The benchmark's world: a workspace, its sandbox accounts, one published journey, N contacts.

The journey is entry(api) → condition (an attribute rule) → split (2 variants) → send (push)
→ wait (1 day) → send (sms) → exit; both condition ports and both variants lead on, so every
contact makes the same seven recorded node visits (the wait's first, sleeping visit records
nothing). Contacts and their enrollments are written by `INSERT … SELECT` inside SQLite, so
setting up a million of them takes seconds and holds no rows in this process: the memory
figures then measure the engine, not the setup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from channels_plugins.services import create_account
from core.models import Contact, Workspace
from journeys.models import Enrollment, EnrollmentStatus, Journey, JourneyVersion
from journeys.services import Publisher, create_journey, publish_journey
from tests.journeys.builders import JourneyBuilder

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday noon: no window or quiet hour holds
WAIT = timedelta(days=1)
VISITS_PER_CONTACT = 7  # entry, condition, split, push, wait (on waking), sms, exit


@dataclass(frozen=True)
class Sql:
    """A column's value as an SQL expression over the source row (`i`, `id`), with params."""

    expression: str
    params: tuple[Any, ...] = ()


def pipeline_document() -> dict[str, Any]:
    builder = (
        JourneyBuilder()
        .entry()
        .node(
            "is_pro", "condition", {"rule": {"all": [{"attr": "plan", "op": "eq", "value": "pro"}]}}
        )
        .node("ab", "split", {"variants": [{"key": "A", "weight": 50}, {"key": "B", "weight": 50}]})
        .node(
            "push",
            "send",
            {
                "channel": "push",
                "account": "push-main",
                "params": {"title": "Hi {{ contact.first_name }}", "body": "Your plan is ready."},
            },
        )
        .node("wait_1d", "wait", {"duration": "P1D"})
        .node(
            "sms",
            "send",
            {
                "channel": "sms",
                "account": "sms-main",
                "params": {"body": "{{ contact.first_name }}, one day on: still interested?"},
            },
        )
        .exit()
    )
    builder.chain("start", "is_pro")
    for port in ("yes", "no"):
        builder.edge("is_pro", "ab", port)
    for port in ("A", "B"):
        builder.edge("ab", "push", port)
    builder.chain("push", "wait_1d", "sms", "done")
    return builder.build()


def published_pipeline(slug: str) -> JourneyVersion:
    """A workspace with sandbox push and SMS accounts, and the pipeline journey published."""
    workspace = Workspace.objects.create(slug=slug, name=slug.title(), timezone="UTC")
    create_account(workspace, name="push-main", channel="push", provider="sandbox", config={})
    create_account(workspace, name="sms-main", channel="sms", provider="sandbox", config={})
    journey = create_journey(workspace, name="Bench pipeline", definition=pipeline_document())
    with transaction.atomic():
        version = publish_journey(journey, publisher=Publisher())
    return version


def _insert_select(
    model: type[Model], values: Mapping[str, Any], source: str, params: list[Any]
) -> None:
    """INSERT one row per row of `source`: each column from `values` (a constant or an `Sql`
    expression), else the field's default, adapted as `save()` would."""
    quote = connection.ops.quote_name
    columns: list[str] = []
    expressions: list[str] = []
    value_params: list[Any] = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        value = values.get(field.name, values.get(field.attname, field.get_default()))
        columns.append(quote(field.column))
        if isinstance(value, Sql):
            expressions.append(value.expression)
            value_params.extend(value.params)
        else:
            expressions.append("%s")
            value_params.append(field.get_db_prep_save(value, connection))
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)})"  # noqa: S608
        f" SELECT {', '.join(expressions)} FROM ({source})"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [*value_params, *params])


def enroll_population(
    version: JourneyVersion, count: int, *, wake_at: datetime | None = START, first: int = 0
) -> None:
    """`count` contacts (half on the "pro" plan) enrolled at the entry node, due at `wake_at`."""
    journey: Journey = version.journey
    workspace_id = journey.workspace_id
    numbers = (
        "WITH RECURSIVE seq(i) AS (SELECT %s UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < %s)"
        " SELECT i FROM seq"
    )
    _insert_select(
        Contact,
        {
            "workspace": workspace_id,
            "external_id": Sql("'c' || i"),
            "first_name": Sql("'Ana' || i"),
            "phone": Sql("printf('+86138%%08d', i)"),
            "attributes": Sql("json_object('plan', CASE i %% 2 WHEN 0 THEN 'pro' ELSE 'free' END)"),
            "created_at": START,
            "updated_at": START,
        },
        numbers,
        [first, first + count],
    )
    _insert_select(
        Enrollment,
        {
            "workspace": workspace_id,
            "journey": journey.pk,
            "version": version.pk,
            "contact": Sql("id"),
            "node_id": "start",
            "status": EnrollmentStatus.ACTIVE,
            "wake_at": wake_at,
            "context": {"arrived_at": START.isoformat()},
            "entered_at": START,
        },
        "SELECT id FROM core_contact WHERE workspace_id = %s AND id NOT IN"
        " (SELECT contact_id FROM journeys_enrollment WHERE workspace_id = %s)",
        [workspace_id, workspace_id],
    )


def representative_context() -> str:
    """An enrollment's context as the engine leaves it, JSON-encoded: the raw rate's payload."""
    return json.dumps({"arrived_at": (START + WAIT).isoformat(), "variants": {"ab": "A"}})
