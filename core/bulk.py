"""Bulk row writes for hot paths, as one `executemany` of a prepared statement.

Django's `bulk_update` builds a CASE expression per field per row: building it costs more than
the database spends running it (profiled: most of a walker pass for 3,000 enrollments). Here
the statement is prepared once and each value is adapted exactly as `save()` would adapt it,
through its field's `get_db_prep_save`, except that the common cases take a shortcut with the
same result (see `adapter`): generic adaptation was most of the walker's write time.

Rows are model instances (`update_rows`, `insert_rows`) or, where building a model per row
would cost more than writing it, plain tuples (`update_tuples`, `insert_tuples`). Values are
adapted a column at a time (`column_adapter`): a column whose values are all of a type its
field stores unchanged (text, integers, booleans) is passed on as it is, after one type check
that runs in C, and the rows are rebuilt by `zip`; walking rows and columns in Python cost
more than the adaptation itself (2 of a step-log row's 3 µs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Field, Model

from core import json_codec

Adapter = Callable[[Any], Any]
ColumnAdapter = Callable[[Sequence[Any]], Sequence[Any]]
_NONE = type(None)

# Django's own field classes, exactly (a subclass may prepare values its own way), by the kind
# of value their `get_prep_value` returns unchanged.
_TEXT = (models.CharField, models.TextField, models.SlugField)
_INTEGER = (
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
)
_KEYS = (models.ForeignKey, models.OneToOneField)


def adapter(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> Adapter:
    """A function giving what `field.get_db_prep_save(value, connection)` gives, faster.

    `get_db_prep_save` runs `get_prep_value` (conversions such as `to_python`), then the
    backend's adaptation, `get_db_prep_value(prepared=True)`. For values the conversions leave
    unchanged (None; any `str` for a text field; exactly an `int` for an integer field or a key
    to one, since `True` would become 1; an aware datetime; a dict or list for JSON) only the
    adaptation runs, and where that is the identity (None always is), nothing does. Other
    values, and fields of other classes, take the generic path. `connection` is a real
    connection, not `django.db.connection`, whose every attribute access is a thread-local
    lookup.
    """
    generic = field.get_db_prep_save
    kind = _kind(field)
    adapt = field.get_db_prep_value

    def slow(value: Any) -> Any:
        return generic(value, connection)

    unchanged = _unchanged_types(kind, connection)
    if str in unchanged:  # text: any str, subclasses too (their get_prep_value keeps them)
        return lambda value: value if value is None or isinstance(value, str) else slow(value)
    if unchanged:  # exactly a bool, or an int stored as it is (True is not the integer 1)
        return lambda value: value if type(value) in unchanged else slow(value)
    if kind in _INTEGER:
        return lambda value: (
            value
            if value is None
            else adapt(value, connection, True)
            if type(value) is int
            else slow(value)
        )
    if kind is models.DateTimeField:
        return _datetime_adapter(adapt, slow, connection)
    if kind is models.JSONField:
        return _json_adapter(_json_text(field, connection) or adapt, slow, connection)
    return slow


def _kind(field: Field[Any, Any]) -> type[Field[Any, Any]]:
    """The field's class, or for a key the class of the field it points to (what it stores)."""
    kind: type[Field[Any, Any]] = type(field)
    if isinstance(field, models.ForeignKey) and kind in _KEYS:
        kind = type(field.target_field)
    return kind


def _unchanged_types(
    kind: type[Field[Any, Any]], connection: BaseDatabaseWrapper
) -> frozenset[type]:
    """The exact types whose values a field of this `_kind` stores unchanged, the one rule
    `adapter` and `column_adapter` both follow: None and `str` for text, `int` for integers
    stored as they are, `bool` for booleans; none for other fields."""
    if kind.get_db_prep_value is Field.get_db_prep_value and kind in _TEXT:
        return frozenset({_NONE, str})
    if kind.get_db_prep_value is Field.get_db_prep_value and kind is models.BooleanField:
        return frozenset({_NONE, bool})
    if kind in _INTEGER and _integers_unadapted(kind, connection):
        return frozenset({_NONE, int})
    return frozenset()


def column_adapter(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> ColumnAdapter:
    """A function adapting a whole column of values as `adapter(field)` adapts each one.

    A column made only of types the field stores unchanged is returned as it is: finding its
    types (`set(map(type, column))`) runs in C, where calling the adapter per value does not.
    """
    adapt = adapter(field, connection)
    unchanged = _unchanged_types(_kind(field), connection)

    def convert(column: Sequence[Any]) -> Sequence[Any]:
        if unchanged and unchanged.issuperset(map(type, column)):
            return column
        return list(map(adapt, column))

    return convert


def _adapted_rows(
    converters: Sequence[ColumnAdapter], rows: Sequence[Sequence[Any]]
) -> list[tuple[Any, ...]]:
    """Each row's values adapted, column by column; every row must have one per converter."""
    if not rows:
        return []
    if set(map(len, rows)) != {len(converters)}:
        raise ValueError(f"Each row needs {len(converters)} values.")
    columns = zip(*rows, strict=True)
    adapted = [convert(column) for convert, column in zip(converters, columns, strict=True)]
    return list(zip(*adapted, strict=True))


def _integers_unadapted(kind: type[Field[Any, Any]], connection: BaseDatabaseWrapper) -> bool:
    """Whether `get_db_prep_value(an int, prepared=True)` returns it unchanged: auto fields do;
    integer fields do where the backend does not wrap integers (SQLite; not psycopg 3)."""
    if issubclass(kind, models.AutoField | models.BigAutoField | models.SmallAutoField):
        return True
    ops = type(connection.ops)
    return ops.adapt_integerfield_value is BaseDatabaseOperations.adapt_integerfield_value


def _datetime_adapter(
    adapt: Callable[..., Any], slow: Adapter, connection: BaseDatabaseWrapper
) -> Adapter:
    """Aware datetimes adapted once per distinct object: a batch stamps most rows with the
    same `now`, and datetimes are immutable, so the last result is reused for the same one."""
    last: list[Any] = [object(), None]

    def convert(value: Any) -> Any:
        if value is last[0]:
            return last[1]
        if value is None:
            return None
        if not isinstance(value, datetime) or value.utcoffset() is None:
            return slow(value)  # naive: Django warns and makes it aware
        last[0], last[1] = value, adapt(value, connection, True)
        return last[1]

    return convert


def _json_adapter(
    adapt: Callable[..., Any], slow: Adapter, connection: BaseDatabaseWrapper
) -> Adapter:
    """Dicts and lists straight to the backend's JSON adaptation; the empty dict (most step
    logs' detail) adapted once."""
    empty = adapt({}, connection, True)

    def convert(value: Any) -> Any:
        if type(value) is dict:
            return adapt(value, connection, True) if value else empty
        if type(value) is list:
            return adapt(value, connection, True)
        return None if value is None else slow(value)

    return convert


def _json_text(
    field: Field[Any, Any], connection: BaseDatabaseWrapper
) -> Callable[..., Any] | None:
    """The adaptation of a dict or list for a JSONField without its own encoder, on a backend
    that stores `json.dumps(value)` (SQLite, MySQL; not PostgreSQL, which wraps the value):
    `core.json_codec.dumps`, a text holding the same value (or raising the same error), five
    times faster. None where that does not hold (a custom encoder or backend adaptation): the
    field's own adaptation then runs."""
    ops = type(connection.ops)
    if (
        getattr(field, "encoder", None) is not None
        or type(field).get_db_prep_value is not models.JSONField.get_db_prep_value
        or ops.adapt_json_value is not BaseDatabaseOperations.adapt_json_value
    ):
        return None

    def encode(value: Any, connection: BaseDatabaseWrapper, prepared: bool) -> str:
        return json_codec.dumps(value)

    return encode


def _concrete(model: type[Model], names: Sequence[str]) -> list[Field[Any, Any]]:
    """The fields named (by name or attname), refusing anything but concrete columns."""
    fields = [model._meta.get_field(name) for name in names]
    concrete = [field for field in fields if isinstance(field, Field) and field.concrete]
    if len(concrete) != len(fields):
        raise ValueError("Bulk writes take concrete fields of the model.")
    return concrete


def update_rows(rows: Sequence[Model], fields: Sequence[str]) -> None:
    """Write `fields` of each row (same model) by primary key."""
    if not rows:
        return
    attnames = [field.attname for field in _concrete(type(rows[0]), fields)]
    update_tuples(
        type(rows[0]),
        fields,
        [(*(getattr(row, name) for name in attnames), row.pk) for row in rows],
    )


def update_tuples(
    model: type[Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    match: Sequence[str] = (),
) -> int:
    """UPDATE `fields` by primary key, from one tuple per row: the fields' values in order,
    then the key, then a value for each `match` field, which the row must also hold to be
    written (a fencing token). For hot paths that hold rows as plain records rather than
    models. Returns how many rows were written."""
    if not rows:
        return 0
    meta = model._meta
    if meta.pk is None:
        raise ValueError("update_tuples writes rows of a model with a primary key.")
    concrete, matched = _concrete(model, fields), _concrete(model, match)
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in concrete)
    conditions = " AND ".join(f"{quote(field.column)} = %s" for field in [meta.pk, *matched])
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {conditions}"  # noqa: S608
    converters = [column_adapter(field, connection) for field in [*concrete, meta.pk, *matched]]
    params = _adapted_rows(converters, rows)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        return int(cursor.rowcount)


def insert_rows(rows: Sequence[Model]) -> None:
    """INSERT new rows (same model, no auto_now fields) with one prepared `executemany`.

    The rows' primary keys stay unset: for write-only logs and outboxes read back by query.
    """
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    fields = [f for f in rows[0]._meta.concrete_fields if not f.primary_key]
    columns = [(field.attname, adapter(field, connection)) for field in fields]
    params = [[adapt(getattr(row, name)) for name, adapt in columns] for row in rows]
    _insert(connection, type(rows[0]), fields, params)


def insert_tuples(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """INSERT one row per tuple of values for `fields` (names or attnames), in that order.

    For write-only logs, where building a model per row would cost more than writing it.
    Columns not named get the database's default, so name every column without one.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    concrete = _concrete(model, fields)
    rows = rows if isinstance(rows, list | tuple) else list(rows)
    if rows:
        converters = [column_adapter(field, connection) for field in concrete]
        _insert(connection, model, concrete, _adapted_rows(converters, rows))


def _insert(
    connection: BaseDatabaseWrapper,
    model: type[Model],
    fields: Sequence[Field[Any, Any]],
    params: Sequence[Sequence[Any]],
) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
