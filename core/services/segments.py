"""Segment services: validated writes, and previews evaluated with the shared rule engine.

A preview scans the workspace's contacts in id order, a batch at a time, loading each batch's
event counts with one aggregate query per event leaf of the rule; memory stays flat however
many contacts there are. Counts are as of `now`: events stamped later do not count yet.

`message` leaves go through `Facts.message_status` like everywhere else, but a preview's facts
(`BatchFacts`) report no message for anyone yet: message statuses live in the outbox, outside
`core`, so whoever can read them (the journey engine) supplies Facts that answer them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Count

from core import clock
from core.conf import touchflow_settings
from core.models import Contact, Event, Segment, Workspace
from core.rules.evaluation import (
    BUILTIN_FIELDS,
    CompiledRule,
    ContactSnapshot,
    EventRequirement,
    RuleCycle,
    compile_rule,
)
from core.rules.validation import iter_leaves, rule_problems

SAMPLE_SIZE = 20


@dataclass(frozen=True)
class SegmentError:
    code: str
    message: str
    path: str

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "node_id": None, "path": self.path}


class SegmentInvalid(Exception):
    def __init__(self, errors: list[SegmentError]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors


def rule_errors(workspace: Workspace, key: str, rule: Any) -> list[SegmentError]:
    """Shape, references to other segments, and reference cycles, located under /rule."""
    errors = [
        SegmentError(problem.code, problem.message, f"/rule{problem.path}")
        for problem in rule_problems(rule, allow_journey=True)
    ]
    if errors:
        return errors
    rules = dict(Segment.objects.filter(workspace=workspace).values_list("key", "rule"))
    rules[key] = rule
    for pointer, leaf in iter_leaves(rule):
        if "segment" in leaf and leaf["segment"] not in rules:
            errors.append(
                SegmentError(
                    "segment.unknown",
                    f"There is no segment {leaf['segment']!r}.",
                    f"/rule{pointer}/segment",
                )
            )
    if not errors:
        try:
            compile_rule(rule, segments=rules.get)
        except RuleCycle as exc:
            errors.append(
                SegmentError("rule.invalid", f"Segments refer to each other: {exc}.", "/rule")
            )
    return errors


def _save(segment: Segment) -> Segment:
    errors = rule_errors(segment.workspace, segment.key, segment.rule)
    if errors:
        raise SegmentInvalid(errors)
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError as exc:
        message = f"The workspace already has a segment {segment.key!r}."
        raise SegmentInvalid([SegmentError("segment.duplicate", message, "/key")]) from exc
    return segment


def create_segment(workspace: Workspace, *, key: str, rule: Any, name: str = "") -> Segment:
    return _save(Segment(workspace=workspace, key=key, name=name, rule=rule))


def update_segment(segment: Segment, **changes: Any) -> Segment:
    for attribute in ("name", "rule"):
        if attribute in changes:
            setattr(segment, attribute, changes[attribute])
    return _save(segment)


def delete_segment(segment: Segment) -> None:
    """Refuses while another segment refers to this one."""
    users = [
        other.key
        for other in Segment.objects.filter(workspace=segment.workspace).exclude(pk=segment.pk)
        if any(leaf.get("segment") == segment.key for _, leaf in iter_leaves(other.rule))
    ]
    if users:
        message = f"Segments {', '.join(sorted(users))} refer to {segment.key!r}."
        raise SegmentInvalid([SegmentError("segment.in_use", message, "/key")])
    segment.delete()


def snapshot(contact: Contact) -> ContactSnapshot:
    return ContactSnapshot(
        id=contact.pk,
        fields={name: getattr(contact, name) for name in BUILTIN_FIELDS},
        attributes=contact.attributes or {},
        tags=frozenset(contact.tags or ()),
    )


@dataclass
class BatchFacts:
    """Facts for one batch of contacts: event counts loaded up front, message statuses loaded
    on first use (one query per journey node a rule names, for the whole batch)."""

    counts: dict[tuple[int, EventRequirement], int] = field(default_factory=dict)
    contact_ids: tuple[int, ...] = ()
    _statuses: dict[tuple[int, str], dict[int, str]] = field(default_factory=dict)

    def event_count(self, contact_id: int, requirement: EventRequirement) -> int:
        return self.counts.get((contact_id, requirement), 0)

    def message_status(self, contact_id: int, node: str, journey: int | None) -> str | None:
        """The status of the latest message that journey's node sent the contact.

        Without a journey there is nothing to look up here: inside a journey the walker answers
        for the enrollment's own messages. The outbox belongs to `channels_plugins`, which
        depends on `core`, so it is found through the app registry rather than imported.
        """
        if journey is None:
            return None
        key = (journey, node)
        if key not in self._statuses:
            message_model = apps.get_model("channels_plugins", "Message")
            rows = (
                message_model.objects.filter(
                    contact_id__in=self.contact_ids, journey_id=journey, node_id=node
                )
                .order_by("id")
                .values_list("contact_id", "status")
            )
            self._statuses[key] = dict(rows)  # ordered by id: the latest message wins
        return self._statuses[key].get(contact_id)


def window_start(now: datetime, within: timedelta | None) -> datetime | None:
    """The earliest `occurred_at` a window counts; None for all time, which is also what a
    window reaching back before year 1 means."""
    if within is None:
        return None
    try:
        return now - within
    except OverflowError:
        return None


def load_event_counts(
    contact_ids: Iterable[int], requirements: Iterable[EventRequirement], now: datetime
) -> BatchFacts:
    """One query per requirement for the whole batch.

    Without `where`, the database counts. With it, the events of that name in the window are
    read and their properties compared here: a property name is the caller's text, and as a
    Django lookup (`properties__<name>`) names with `__`, digits or lookup words would change
    the query's meaning.
    """
    ids = list(contact_ids)
    facts = BatchFacts(contact_ids=tuple(ids))
    for requirement in requirements:
        # As of `now`: an event stamped later (a client clock running ahead, or a simulation
        # evaluating the past) has not happened yet, for all-time counts as for windows.
        events = Event.objects.filter(
            contact_id__in=ids, name=requirement.name, occurred_at__lte=now
        )
        start = window_start(now, requirement.within)
        if start is not None:
            events = events.filter(occurred_at__gte=start)
        if not requirement.where:
            counted = events.values("contact_id").annotate(n=Count("id"))
            for contact_id, count in counted.values_list("contact_id", "n"):
                facts.counts[(contact_id, requirement)] = count
            continue
        rows = events.values_list("contact_id", "properties").iterator(chunk_size=2_000)
        for contact_id, properties in rows:  # streamed: a batch may have many such events
            if isinstance(properties, dict) and all(
                key in properties and properties[key] == value for key, value in requirement.where
            ):
                slot = (contact_id, requirement)
                facts.counts[slot] = facts.counts.get(slot, 0) + 1
    return facts


def compile_segment(segment: Segment) -> CompiledRule:
    rules: Mapping[str, Any] = dict(
        Segment.objects.filter(workspace=segment.workspace).values_list("key", "rule")
    )
    return compile_rule(segment.rule, segments=rules.get)


@dataclass(frozen=True)
class Preview:
    count: int
    sample: list[Contact]


def contact_batches(workspace_id: int) -> Iterator[list[Contact]]:
    """Every contact of a workspace, SEGMENT_SCAN_BATCH at a time, by id (keyset paging, so
    each query is an index range however far the scan has gone)."""
    batch_size = touchflow_settings.SEGMENT_SCAN_BATCH
    last_id = 0
    while True:
        batch = list(
            Contact.objects.filter(workspace_id=workspace_id, pk__gt=last_id).order_by("pk")[
                :batch_size
            ]
        )
        if not batch:
            return
        yield batch
        last_id = batch[-1].pk


def preview_segment(segment: Segment, *, now: datetime | None = None) -> Preview:
    now = now or clock.now()
    compiled = compile_segment(segment)
    count = 0
    sample: list[Contact] = []
    for batch in contact_batches(segment.workspace_id):
        facts = load_event_counts([c.pk for c in batch], compiled.requirements, now)
        for contact in batch:
            if compiled(snapshot(contact), facts):
                count += 1
                if len(sample) < SAMPLE_SIZE:
                    sample.append(contact)
    return Preview(count, sample)
