"""One contact's history in time order: events, enrollments, steps and messages, merged.

It answers "why did this person get this message?": the event that triggered an enrollment,
each node it passed and the port it took (with the node's detail: a skipped send, a variant,
the event that woke a wait), and the message a send node wrote, with its outcome.

Pages are keyset pages over (time, kind rank, id): each source is read with the same boundary
and `limit + 1` rows, through an index on (contact, time) where one exists, and the rows are
merged in Python. A page costs a fixed number of queries however long the history is, and a
row written while someone pages cannot shift the pages after it.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, Q, QuerySet

from channels_plugins.models import Message
from core.models import Contact, Event
from journeys.models import Enrollment, Journey, JourneyVersion, StepLog

# Order of kinds at the same instant: the cause before its consequences.
EVENT, ENTERED, STEP, MESSAGE, FINISHED = (
    "event",
    "enrollment.entered",
    "step",
    "message",
    "enrollment.finished",
)
RANK = {EVENT: 0, ENTERED: 1, STEP: 2, MESSAGE: 3, FINISHED: 4}
KINDS = tuple(RANK)


@dataclass(frozen=True, order=True)
class Key:
    """Where an item sits in the timeline; unique, so pages never overlap or skip."""

    at: datetime
    rank: int
    id: int


@dataclass(frozen=True)
class Cursor:
    key: Key
    forward: bool  # True: the items after `key` in the page's order; False: those before it

    def encode(self) -> str:
        raw = json.dumps(
            [self.key.at.isoformat(), self.key.rank, self.key.id, int(self.forward)]
        ).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raises ValueError for anything that is not a cursor this module wrote."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            at, rank, item_id, forward = json.loads(raw)
            key = Key(datetime.fromisoformat(at), int(rank), int(item_id))
        except (binascii.Error, UnicodeDecodeError, TypeError, ValueError) as exc:
            raise ValueError("Not a timeline cursor.") from exc
        if key.at.tzinfo is None or key.rank not in RANK.values() or forward not in (0, 1):
            raise ValueError("Not a timeline cursor.")
        return cls(key, bool(forward))


@dataclass(frozen=True)
class Window:
    """What a page asks for: `after` inclusive, `before` exclusive, oldest first if ascending."""

    limit: int
    ascending: bool = True
    after: datetime | None = None
    before: datetime | None = None


@dataclass
class Page:
    items: list[dict[str, Any]]
    next: Cursor | None
    previous: Cursor | None


@dataclass(frozen=True)
class Source:
    kind: str
    time_field: str
    rows: Callable[[Contact], QuerySet[Any]]

    @property
    def rank(self) -> int:
        return RANK[self.kind]

    def beyond(self, key: Key, ascending: bool) -> Q:
        """Rows strictly after `key` in the given order, for this source's fixed rank."""
        later = "gt" if ascending else "lt"
        at = self.time_field
        if self.rank == key.rank:
            return Q(**{f"{at}__{later}": key.at}) | Q(**{at: key.at, f"id__{later}": key.id})
        same_instant_follows = (self.rank > key.rank) == ascending
        return Q(**{f"{at}__{later}{'e' if same_instant_follows else ''}": key.at})

    def read(
        self, contact: Contact, window: Window, boundary: Key | None, ascending: bool, count: int
    ) -> list[tuple[Key, Model]]:
        queryset = self.rows(contact).filter(**{f"{self.time_field}__isnull": False})
        if window.after is not None:
            queryset = queryset.filter(**{f"{self.time_field}__gte": window.after})
        if window.before is not None:
            queryset = queryset.filter(**{f"{self.time_field}__lt": window.before})
        if boundary is not None:
            queryset = queryset.filter(self.beyond(boundary, ascending))
        sign = "" if ascending else "-"
        queryset = queryset.order_by(f"{sign}{self.time_field}", f"{sign}id")[:count]
        return [(Key(getattr(row, self.time_field), self.rank, row.pk), row) for row in queryset]


# A step needs only its enrollment's ids, not the enrollment's (possibly large) context.
STEP_FIELDS = (
    "node_id",
    "port",
    "at",
    "detail",
    "enrollment__journey_id",
    "enrollment__version_id",
)
SOURCES = (
    Source(EVENT, "occurred_at", lambda c: Event.objects.filter(contact=c)),
    Source(ENTERED, "entered_at", lambda c: Enrollment.objects.filter(contact=c)),
    Source(
        STEP,
        "at",
        lambda c: (
            StepLog.objects.filter(enrollment__contact=c)
            .select_related("enrollment")
            .only(*STEP_FIELDS)
        ),
    ),
    Source(
        MESSAGE,
        "created_at",
        lambda c: Message.objects.filter(contact=c).select_related("account"),
    ),
    Source(FINISHED, "finished_at", lambda c: Enrollment.objects.filter(contact=c)),
)


def read_page(contact: Contact, window: Window, cursor: Cursor | None) -> Page:
    """One page of the contact's timeline: a fixed number of queries for any history."""
    forward = cursor is None or cursor.forward
    ascending = window.ascending == forward  # reading backwards flips the order
    boundary = cursor.key if cursor is not None else None
    count = window.limit + 1
    streams = [source.read(contact, window, boundary, ascending, count) for source in SOURCES]
    merged = list(heapq.merge(*streams, key=lambda pair: pair[0], reverse=not ascending))
    rows = merged[: window.limit]
    more = len(merged) > window.limit
    if not forward:
        rows.reverse()
    keys = [key for key, _ in rows]
    items = describe(rows)
    if not keys:
        return Page(items, None, None)
    has_next = more if forward else True
    has_previous = cursor is not None if forward else more
    return Page(
        items,
        Cursor(keys[-1], forward=True) if has_next else None,
        Cursor(keys[0], forward=False) if has_previous else None,
    )


# --- Items ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionFacts:
    number: int
    nodes: Mapping[str, Mapping[str, Any]]  # by node id
    trigger_kind: str | None

    @classmethod
    def of(cls, version: JourneyVersion) -> VersionFacts:
        definition = version.definition if isinstance(version.definition, dict) else {}
        nodes = {
            node["id"]: node
            for node in definition.get("nodes") or []
            if isinstance(node, dict) and isinstance(node.get("id"), str)
        }
        entry = next((node for node in nodes.values() if node.get("type") == "entry"), {})
        trigger = (entry.get("config") or {}).get("trigger") or {}
        return cls(version.number, nodes, trigger.get("kind"))


NO_FACTS = VersionFacts(0, {}, None)


@dataclass
class Names:
    """Journey names and version facts for a page, read in (at most) two queries."""

    journeys: dict[int, str]
    versions: dict[int, VersionFacts]

    @classmethod
    def load(cls, rows: Iterable[Model]) -> Names:
        journey_ids: set[int] = set()
        version_ids: set[int] = set()
        for row in rows:
            enrollment = row.enrollment if isinstance(row, StepLog) else row
            if isinstance(enrollment, Enrollment):
                journey_ids.add(enrollment.journey_id)
                version_ids.add(enrollment.version_id)
            elif isinstance(row, Message) and row.journey_id is not None:
                journey_ids.add(row.journey_id)
        journeys: dict[int, str] = {}
        if journey_ids:
            journeys = dict(Journey.objects.filter(pk__in=journey_ids).values_list("pk", "name"))
        versions: dict[int, VersionFacts] = {}
        if version_ids:
            versions = {
                v.pk: VersionFacts.of(v) for v in JourneyVersion.objects.filter(pk__in=version_ids)
            }
        return cls(journeys, versions)

    def journey(self, journey_id: int | None) -> dict[str, Any] | None:
        """`{"id", "name"}`; the name is null once the journey is deleted."""
        if journey_id is None:
            return None
        return {"id": journey_id, "name": self.journeys.get(journey_id)}

    def version(self, version_id: int) -> VersionFacts:
        return self.versions.get(version_id, NO_FACTS)

    def trigger(self, enrollment: Enrollment) -> dict[str, Any]:
        """The entry's trigger kind, and the event that enrolled the contact, if one did."""
        trigger: dict[str, Any] = {"kind": self.version(enrollment.version_id).trigger_kind}
        event = (enrollment.context or {}).get("event")
        if isinstance(event, dict):
            trigger["event"] = {
                "id": event.get("id"),  # null for segment, schedule and older enrollments
                "name": event.get("name"),
                "properties": event.get("properties"),
            }
        return trigger


def describe(rows: list[tuple[Key, Model]]) -> list[dict[str, Any]]:
    names = Names.load(row for _, row in rows)
    return [_item(key, row, names) for key, row in rows]


def _item(key: Key, row: Model, names: Names) -> dict[str, Any]:
    kind = KINDS[key.rank]
    item: dict[str, Any] = {"at": key.at, "kind": kind}
    if isinstance(row, Event):
        item.update(id=row.pk, name=row.name, properties=row.properties)
    elif isinstance(row, Enrollment):
        item.update(_enrollment(row, names))
        if kind == ENTERED:
            item["trigger"] = names.trigger(row)
    elif isinstance(row, StepLog):
        enrollment = row.enrollment
        version = names.version(enrollment.version_id)
        node = version.nodes.get(row.node_id, {})
        item.update(
            enrollment=enrollment.pk,
            journey=names.journey(enrollment.journey_id),
            version=version.number,
            node=row.node_id,
            node_type=node.get("type"),
            label=node.get("label"),
            port=row.port,
            detail=row.detail,
        )
    elif isinstance(row, Message):
        item.update(
            id=row.pk,
            channel=row.channel,
            account=row.account.name if row.account is not None else None,
            category=row.category,
            journey=names.journey(row.journey_id),
            node=row.node_id,
            enrollment=row.enrollment_id,
            status=row.status,
            reason=row.reason,
            sent_at=row.sent_at,
            content=row.content,
        )
    return item


def _enrollment(enrollment: Enrollment, names: Names) -> dict[str, Any]:
    return {
        "enrollment": enrollment.pk,
        "journey": names.journey(enrollment.journey_id),
        "version": names.version(enrollment.version_id).number,
        "status": enrollment.status,
        "node": enrollment.node_id,
        "wake_at": enrollment.wake_at,
        "converted_at": enrollment.converted_at,
        "error": enrollment.error,
    }
