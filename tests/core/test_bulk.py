"""core.bulk stores exactly what `save()` would, through its shortcuts and without them.

JSON columns are compared by the value their text holds: the bulk path writes it through
`core.json_codec`, whose text differs from `json.dumps`' in form only."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Field, JSONField

from channels_plugins.models import Message, MessageStatus
from core.bulk import adapter, column_adapter, insert_rows, insert_tuples, update_rows
from core.models import Contact, Workspace
from journeys.models import Enrollment, EnrollmentStatus, PassLog, StepLog
from tests.engine.factories import enrollments, published_version

NOW = datetime(2026, 3, 2, 12, 0, 0, 123456, tzinfo=UTC)
_CIRCULAR: dict[str, Any] = {"a": 1}
_CIRCULAR["self"] = [_CIRCULAR]
VALUES: list[Any] = [
    None,
    "",
    "text",
    EnrollmentStatus.WAITING,  # a str subclass
    0,
    7,
    2**40,
    True,  # an int subclass: integer fields store 1
    "12",  # a numeric string: integer fields convert it
    NOW,
    NOW.astimezone(ZoneInfo("Asia/Shanghai")),
    NOW,  # again, after another: an adapter remembering the last datetime must not mix them
    {"arrived_at": NOW.isoformat(), "variants": {"ab": "A"}, "n": [1, 2.5, None]},
    {},
    [],
    ["a", {"b": True}],
    {"text": 'Zoë, 你好 \u2028 "quoted"', "floats": [1e300, float("inf"), -0.0], "deep": [[{}]]},
    _CIRCULAR,  # refused by every JSON adaptation alike
]


def _fields() -> list[Field[Any, Any]]:
    models = (Enrollment, PassLog, Message, Contact)
    return [f for model in models for f in model._meta.concrete_fields]


def _comparable(value: Any, field: Field[Any, Any]) -> Any:
    """A JSON text as the value it holds (re-encoded by the standard library, which tells
    NaN, 1 and 1.0 apart); psycopg's `Jsonb` wrapper (PostgreSQL's JSON parameters), which
    has no equality of its own, as what it wraps and the text it will send."""
    if isinstance(field, JSONField) and type(value) is str:
        return ("JSON text", json.dumps(json.loads(value)))
    if type(value).__name__ != "Jsonb":
        return value
    dumps = getattr(value, "dumps", None) or json.dumps
    try:
        text: Any = dumps(value.obj)
    except (TypeError, ValueError) as exc:  # refused when sent (a datetime, a cycle): alike
        text = type(exc)
    return ("Jsonb", value.obj, text)


@pytest.mark.django_db
@pytest.mark.parametrize("field", _fields(), ids=lambda f: f"{f.model.__name__}.{f.name}")
def test_adapters_give_what_get_db_prep_save_gives(field: Field[Any, Any]) -> None:
    adapt = adapter(field, connection)
    for value in VALUES:
        try:
            expected = field.get_db_prep_save(value, connection)
        except (TypeError, ValueError, ValidationError) as exc:
            # a value the field refuses is refused alike
            with pytest.raises(type(exc)):
                adapt(value)
            continue
        assert _comparable(adapt(value), field) == _comparable(expected, field), (field, value)
        assert type(adapt(value)) is type(expected), (field, value)


@pytest.mark.django_db
def test_rows_written_in_bulk_read_back_as_saved(workspace: Workspace) -> None:
    enrollment = enrollments(published_version(workspace), 1, wake_at=NOW, entered_at=NOW)[0]
    enrollment.status = EnrollmentStatus.WAITING
    enrollment.context = {"arrived_at": NOW.isoformat(), "variants": {"ab": "B"}}
    enrollment.wake_at = NOW.astimezone(ZoneInfo("Asia/Shanghai"))
    enrollment.visit = 3
    update_rows([enrollment], ["status", "context", "wake_at", "visit"])
    insert_tuples(
        PassLog,
        ["enrollment_id", "first_visit", "at", "visits"],
        [(enrollment.pk, 3, NOW, [["ab", "B", {"variant": "B"}]])],
    )
    insert_rows(
        [
            Message(
                workspace=workspace,
                contact_id=enrollment.contact_id,
                channel="push",
                content={"title": "Hi"},
                idempotency_key=f"{enrollment.pk}:push:4",
                status=MessageStatus.PENDING,
                created_at=NOW,
            )
        ]
    )
    stored = Enrollment.objects.get(pk=enrollment.pk)
    assert (stored.status, stored.context, stored.wake_at, stored.visit) == (
        "waiting",
        {"arrived_at": NOW.isoformat(), "variants": {"ab": "B"}},
        NOW,
        3,
    )
    step = StepLog.objects.get(enrollment=enrollment)
    assert (step.node_id, step.visit, step.port, step.at, step.detail) == (
        "ab",
        3,
        "B",
        NOW,
        {"variant": "B"},
    )
    message = Message.objects.get(contact_id=enrollment.contact_id)
    assert (message.content, message.created_at, message.account_id) == ({"title": "Hi"}, NOW, None)


def test_only_concrete_fields_are_written() -> None:
    with pytest.raises(ValueError, match="concrete"):
        insert_tuples(Enrollment, ["steps"], [])


@pytest.mark.django_db
@pytest.mark.parametrize("field", _fields(), ids=lambda f: f"{f.model.__name__}.{f.name}")
def test_column_adapters_give_what_the_value_adapters_give(field: Field[Any, Any]) -> None:
    adapt, adapt_column = adapter(field, connection), column_adapter(field, connection)
    for column in ([None, "text", ""], [0, 7, None], [True, False], [NOW, None, NOW], VALUES):
        try:
            expected = [adapt(value) for value in column]
        except (TypeError, ValueError, ValidationError) as exc:
            with pytest.raises(type(exc)):
                adapt_column(column)
            continue
        adapted = list(adapt_column(column))
        assert [_comparable(value, field) for value in adapted] == [
            _comparable(value, field) for value in expected
        ], field
        assert [type(value) for value in adapted] == [type(value) for value in expected], field


def test_rows_of_the_wrong_width_are_refused() -> None:
    with pytest.raises(ValueError, match="6 values"):
        insert_tuples(
            StepLog, ["enrollment_id", "node_id", "visit", "port", "at", "detail"], [(1,)]
        )
