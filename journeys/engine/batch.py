"""What a walker pass holds: the claimed enrollments and their contacts, as plain records.

The walker reads a batch in a handful of queries and never builds a model instance for it:
building an Enrollment and a Contact per row, with every JSON and datetime column decoded, cost
more than the rest of the step (profiled: a third of a pass). Only the columns the handlers and
the write-back use are read, by one plain statement (see `load`), with each column converted
by the converters Django itself would run for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

from core.models import Contact, Workspace
from core.rules.evaluation import BUILTIN_FIELDS, ContactSnapshot
from core.timing import first_zone
from journeys.engine.claim import Claim
from journeys.models import Enrollment, Journey, JourneyVersion
from journeys.nodes.base import ChangeContact

_BUILTIN = tuple(sorted(BUILTIN_FIELDS))
# What `load` reads, in EnrollmentState's order: the enrollment's columns, then its contact's.
_ENROLLMENT_COLUMNS = (
    "id",
    "journey_id",
    "version_id",
    "workspace_id",
    "node_id",
    "status",
    "visit",
    "context",
    "contact_id",
)
_CONTACT_COLUMNS = ("workspace_id", "external_id", "attributes", "tags", *_BUILTIN)


class ContactState:
    """A contact as a pass sees it: what rules and templates read, and the changes
    `update_contact` nodes make: applied here for the nodes after them in the pass, and kept
    so the walker applies them again to the row as it is when it writes (a change made
    meanwhile through the API is kept, not overwritten)."""

    __slots__ = ("attributes", "changes", "external_id", "fields", "pk", "tags", "workspace_id")

    def __init__(
        self,
        pk: int,
        workspace_id: int,
        external_id: str,
        fields: dict[str, Any],
        attributes: dict[str, Any],
        tags: list[str],
    ) -> None:
        self.pk = pk
        self.workspace_id = workspace_id
        self.external_id = external_id
        self.fields = fields
        self.attributes = attributes
        self.tags = tags
        self.changes: list[ChangeContact] = []

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def change(self, change: ChangeContact) -> None:
        """Apply an `update_contact` change to what the rest of this pass reads."""
        self.attributes, self.tags = change.applied_to(self.attributes, self.tags)
        self.changes.append(change)

    @classmethod
    def of(cls, contact: Contact) -> ContactState:
        """The state of a loaded Contact model (for callers outside a walker pass)."""
        return cls(
            contact.pk,
            contact.workspace_id,
            contact.external_id,
            {name: getattr(contact, name) for name in _BUILTIN},
            contact.attributes or {},
            list(contact.tags or ()),
        )

    def snapshot(self) -> ContactSnapshot:
        """What rules may read."""
        return ContactSnapshot(
            id=self.pk, fields=self.fields, attributes=self.attributes, tags=frozenset(self.tags)
        )

    def template_data(self) -> dict[str, Any]:
        """What templates see as `contact`: plain data, never a model."""
        return {
            **self.fields,
            "external_id": self.external_id,
            "attributes": self.attributes,
            "tags": list(self.tags),
        }


class EnrollmentState:
    """An enrollment as a pass holds it: read, advanced by the handlers, written back."""

    __slots__ = (
        "contact",
        "context",
        "error",
        "finished_at",
        "journey_id",
        "node_id",
        "pk",
        "status",
        "version_id",
        "visit",
        "wake_at",
        "workspace_id",
    )

    def __init__(self, row: tuple[Any, ...]) -> None:
        (
            self.pk,
            self.journey_id,
            self.version_id,
            self.workspace_id,
            self.node_id,
            self.status,
            self.visit,
            self.context,
            contact_id,
            contact_workspace_id,
            external_id,
            attributes,
            tags,
            *builtin,
        ) = row
        self.contact = ContactState(
            contact_id,
            contact_workspace_id,
            external_id,
            dict(zip(_BUILTIN, builtin, strict=True)),
            attributes or {},
            list(tags or ()),
        )
        self.wake_at: datetime | None = None
        self.finished_at: datetime | None = None
        self.error = ""

    @property
    def contact_id(self) -> int:
        return int(self.contact.pk)


class WorkspaceDefaults(NamedTuple):
    """What a pass reads of a workspace: the defaults its contacts and journeys fall back on."""

    timezone: str
    quiet_hours: Mapping[str, str] | None


@dataclass(frozen=True)
class Scope:
    """What a batch's enrollments share: their journeys' names and version checksums, and their
    contacts' workspaces (for the default quiet hours and timezone)."""

    journey_names: dict[int, str]
    checksums: dict[int, str]
    workspaces: dict[int, WorkspaceDefaults]

    def zone(self, contact: ContactState) -> ZoneInfo:
        """The contact's zone, else the workspace's, else UTC (a bad name is skipped)."""
        workspace = self.workspaces[contact.workspace_id]
        return first_zone(contact.fields["timezone"], workspace.timezone)


def load(claim: Claim) -> list[EnrollmentState]:
    """The claimed enrollments still held under the claim's token, with their contacts.

    One plain statement rather than a queryset: compiling the queryset (a lookup of hundreds
    of ids) and running the ORM's per-row converter loop cost as much as decoding the rows. Each
    column is converted exactly as the ORM would convert it (`_converter`). Rows come in id
    order, the claim's, whatever join the planner picks: the walk order decides the order of
    the outbox rows, hence of sending.
    """
    if not claim.ids:
        return []
    connection = connections[DEFAULT_DB_ALIAS]
    sql, convert = _statement(connection, len(claim.ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, [claim.token, *claim.ids])
        rows = cursor.fetchall()
    return list(map(EnrollmentState, convert(rows)))


Converter = Callable[[Any], Any]


RowsConverter = Callable[[list[tuple[Any, ...]]], list[tuple[Any, ...]]]


@lru_cache(maxsize=64)
def _statement(connection: BaseDatabaseWrapper, count: int) -> tuple[str, RowsConverter]:
    """The SELECT for `count` ids on `connection`, and the function converting its rows."""
    quote = connection.ops.quote_name
    enrollments, contacts = Enrollment._meta, Contact._meta
    fields = [
        *(("e", _column(Enrollment, name)) for name in _ENROLLMENT_COLUMNS),
        *(("c", _column(Contact, name)) for name in _CONTACT_COLUMNS),
    ]
    columns = ", ".join(f"{alias}.{quote(field.column)}" for alias, field in fields)
    contact_key = quote(enrollments.get_field("contact").column)
    sql = (
        f"SELECT {columns} FROM {quote(enrollments.db_table)} e"  # noqa: S608 - model names
        f" INNER JOIN {quote(contacts.db_table)} c"
        f" ON c.{quote(contacts.pk.column)} = e.{contact_key}"
        f" WHERE e.{quote(enrollments.get_field('lease_token').column)} = %s"
        f" AND e.{quote(enrollments.pk.column)} IN ({', '.join(['%s'] * count)})"
        f" ORDER BY e.{quote(enrollments.pk.column)}"
    )
    return sql, _rows_converter([field for _, field in fields], connection)


def _rows_converter(
    fields: Sequence[models.Field[Any, Any]], connection: BaseDatabaseWrapper
) -> RowsConverter:
    """What converts rows of `fields`' columns as the ORM would (see `_converter`)."""
    converters = [_converter(field, connection) for field in fields]
    pairs = [(index, convert) for index, convert in enumerate(converters) if convert is not None]

    def convert_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The rows with each converted column's values converted, a column at a time: `map`
        and `zip` run the loops in C, where copying and rebuilding every row in Python cost
        as much as the conversions themselves."""
        if not rows or not pairs:
            return rows
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for index, convert in pairs:
            columns[index] = list(map(convert, columns[index]))
        return list(zip(*columns, strict=True))

    return convert_rows


def _column(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise TypeError(f"{model.__name__}.{name} is not a column.")
    return field


# The C scanner `json.loads` ends in (set by JSONDecoder.__init__; typeshed does not list it).
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _json(value: Any) -> Any:
    """`JSONField.from_db_value` for a field without a custom decoder: a text that is one JSON
    value (what the database returns) is scanned directly, skipping `json.loads`' whitespace
    handling; anything else takes `json.loads`, and a text that is not JSON stays as it is,
    as the field leaves it."""
    if type(value) is str:
        try:
            decoded, end = _scan(value, 0)
        except (StopIteration, json.JSONDecodeError):
            end = -1
        if end == len(value):
            return decoded
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _converter(field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> Converter | None:
    """What the ORM would run on this column's values (None: nothing), as one function."""
    if type(field) is models.JSONField and field.decoder is None:
        return _json
    expression = field.get_col(field.model._meta.db_table)
    found = [
        *connection.ops.get_db_converters(expression),
        *expression.get_db_converters(connection),
    ]
    if not found:
        return None

    def convert(value: Any) -> Any:
        for converter in found:
            value = converter(value, expression, connection)
        return value

    return convert


def load_scope(enrollments: Iterable[EnrollmentState]) -> Scope:
    journey_ids, version_ids, workspace_ids = set(), set(), set()
    for enrollment in enrollments:
        journey_ids.add(enrollment.journey_id)
        version_ids.add(enrollment.version_id)
        workspace_ids.add(enrollment.contact.workspace_id)
    return Scope(
        journey_names=dict(select_in(Journey, ("id", "name"), "id", journey_ids)),
        checksums=dict(select_in(JourneyVersion, ("id", "checksum"), "id", version_ids)),
        workspaces={
            pk: WorkspaceDefaults(timezone, quiet_hours)
            for pk, timezone, quiet_hours in select_in(
                Workspace, ("id", "timezone", "quiet_hours"), "id", workspace_ids
            )
        },
    )


def select_in(
    model: type[models.Model], names: Sequence[str], key: str, values: Iterable[Any]
) -> list[tuple[Any, ...]]:
    """The `names` columns of `model`'s rows whose `key` is one of `values`, converted as the
    ORM converts them, by one plain statement.

    For the few small lookups a pass makes per batch (journeys, versions, workspaces,
    accounts): building and compiling a queryset cost ten times what SQLite spent answering.
    """
    wanted = list(values)
    if not wanted:
        return []
    connection = connections[DEFAULT_DB_ALIAS]
    sql, convert = _select_statement(connection, model, tuple(names), key, len(wanted))
    with connection.cursor() as cursor:
        cursor.execute(sql, wanted)
        return convert(cursor.fetchall())


@lru_cache(maxsize=64)
def _select_statement(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    names: tuple[str, ...],
    key: str,
    count: int,
) -> tuple[str, RowsConverter]:
    """`select_in`'s SELECT and row converter, built once per shape as `load`'s are."""
    quote = connection.ops.quote_name
    fields = [_column(model, name) for name in names]
    sql = (
        f"SELECT {', '.join(quote(field.column) for field in fields)}"  # noqa: S608 - model names
        f" FROM {quote(model._meta.db_table)}"
        f" WHERE {quote(_column(model, key).column)} IN ({', '.join(['%s'] * count)})"
    )
    return sql, _rows_converter(fields, connection)
