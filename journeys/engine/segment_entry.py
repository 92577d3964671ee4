"""The segment entry trigger: enroll a contact when it *enters* a segment.

A segment is tracked while some active journey enters on it. Tracking starts with a baseline
(every contact evaluated once, nobody enrolled: being a member already is not entering), kept
in `SegmentState`. After that, membership is re-evaluated

- for one contact, when an event it could depend on is ingested or the contact changes
  (`reevaluate_contact`, in the ingesting transaction), and
- for the contacts whose `recheck_at` is due (`sweep`, from the pump and `touchflow_tick`):
  the moment the oldest event in a `within` window ages out, which is when time alone can
  change a rule's answer. `silent_30d` (opened the app, but not in 30 days) is entered this
  way, 30 days after the last open.

A contact evaluated as a member whose previous state was "not a member" enters: it is enrolled
in every active journey entering on that segment, under each journey's re-entry rule. A
changed segment rule restarts tracking with a new baseline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Min

from core.models import Contact, Event, Segment, Workspace
from core.rules.evaluation import CompiledRule, EventRequirement
from core.services.segments import (
    compile_segment,
    contact_batches,
    load_event_counts,
    snapshot,
    window_start,
)
from journeys.documents import checksum
from journeys.engine.enrollment import Skipped, enroll_many
from journeys.engine.versions import entry_trigger
from journeys.models import Journey, JourneyStatus, SegmentState, SegmentTracking

AFTER_THE_EDGE = timedelta(seconds=1)
SEGMENT_ENTERED = "segment.entered"  # what the enrollment records as its trigger


@dataclass(frozen=True)
class Verdict:
    member: bool
    recheck_at: datetime | None


def tracked_segments(
    workspace: Workspace | None = None, journeys: Iterable[Journey] | None = None
) -> list[tuple[Segment, list[Journey]]]:
    """Segments some active journey's live version enters on, each with those journeys and
    its tracking state. `journeys` are the active journeys when the caller has read them
    already (ingestion has, for event triggers), sparing a second query per event."""
    if journeys is None:
        query = Journey.objects.filter(status=JourneyStatus.ACTIVE).select_related(
            "live_version", "canary_version"
        )
        if workspace is not None:
            query = query.filter(workspace=workspace)
        journeys = query.defer(
            "definition", "live_version__definition", "canary_version__definition"
        )
    keys: dict[tuple[int, str], list[Journey]] = defaultdict(list)
    for journey in journeys:
        if journey.live_version is None:
            continue
        trigger = entry_trigger(journey.live_version)
        if trigger.get("kind") == "segment":
            keys[(journey.workspace_id, trigger["segment"])].append(journey)
    if not keys:
        return []
    segments = Segment.objects.filter(
        workspace_id__in={workspace_id for workspace_id, _ in keys},
        key__in={key for _, key in keys},
    ).select_related("tracking")
    return [
        (segment, keys[(segment.workspace_id, segment.key)])
        for segment in segments
        if (segment.workspace_id, segment.key) in keys
    ]


def recheck_times(
    contact_ids: Sequence[int], requirements: Iterable[EventRequirement], now: datetime
) -> dict[int, datetime]:
    """Per contact, when the oldest event inside a `within` window leaves it (the earliest
    over the rule's windows): one aggregate query per windowed requirement."""
    earliest: dict[int, datetime] = {}
    for requirement in requirements:
        start = window_start(now, requirement.within)
        if start is None or requirement.within is None:
            continue
        events = Event.objects.filter(
            contact_id__in=contact_ids,
            name=requirement.name,
            occurred_at__gte=start,
            occurred_at__lte=now,
        )
        if requirement.where:
            oldest = _oldest_matching(events, requirement)
        else:
            oldest = dict(
                events.values("contact_id")
                .annotate(first=Min("occurred_at"))
                .values_list("contact_id", "first")
            )
        for contact_id, occurred_at in oldest.items():
            # Windows include their start, so the event still counts at exactly `+ within`.
            leaves = occurred_at + requirement.within + AFTER_THE_EDGE
            if contact_id not in earliest or leaves < earliest[contact_id]:
                earliest[contact_id] = leaves
    return earliest


def _oldest_matching(events: Any, requirement: EventRequirement) -> dict[int, datetime]:
    """Property filters are compared in Python, as `load_event_counts` does (names are data)."""
    oldest: dict[int, datetime] = {}
    rows = events.values_list("contact_id", "properties", "occurred_at").iterator(chunk_size=2000)
    for contact_id, properties, occurred_at in rows:
        matched = isinstance(properties, dict) and all(
            key in properties and properties[key] == value for key, value in requirement.where
        )
        if matched and (contact_id not in oldest or occurred_at < oldest[contact_id]):
            oldest[contact_id] = occurred_at
    return oldest


def evaluate(
    compiled: CompiledRule, contacts: Sequence[Contact], now: datetime
) -> dict[int, Verdict]:
    ids = [contact.pk for contact in contacts]
    facts = load_event_counts(ids, compiled.requirements, now)
    rechecks = recheck_times(ids, compiled.requirements, now)
    return {
        contact.pk: Verdict(compiled(snapshot(contact), facts), rechecks.get(contact.pk))
        for contact in contacts
    }


def _store(segment: Segment, verdicts: dict[int, Verdict], now: datetime) -> None:
    SegmentState.objects.bulk_create(
        [
            SegmentState(
                segment=segment,
                contact_id=contact_id,
                member=verdict.member,
                recheck_at=verdict.recheck_at,
                evaluated_at=now,
            )
            for contact_id, verdict in verdicts.items()
        ],
        update_conflicts=True,
        unique_fields=["segment", "contact"],
        update_fields=["member", "recheck_at", "evaluated_at"],
    )


def _transition(
    segment: Segment,
    journeys: list[Journey],
    contacts: Sequence[Contact],
    now: datetime,
    compiled: CompiledRule | None = None,
) -> int:
    """Re-evaluate `contacts`, store their states and enroll those who entered."""
    compiled = compiled or compile_segment(segment)
    verdicts = evaluate(compiled, contacts, now)
    was_member = set(
        SegmentState.objects.filter(
            segment=segment, contact_id__in=list(verdicts), member=True
        ).values_list("contact_id", flat=True)
    )
    _store(segment, verdicts, now)
    entered = [c for c in contacts if verdicts[c.pk].member and c.pk not in was_member]
    enrolled = 0
    for journey in journeys:
        trigger = {"name": SEGMENT_ENTERED, "properties": {"segment": segment.key}}
        outcomes = enroll_many(journey, entered, now, event=trigger)
        enrolled += sum(not isinstance(outcome, Skipped) for outcome in outcomes)
    return enrolled


def _baseline(segment: Segment, now: datetime) -> None:
    """Evaluate every contact once without enrolling anyone (being a member is not entering)."""
    compiled = compile_segment(segment)
    SegmentState.objects.filter(segment=segment).delete()
    for batch in contact_batches(segment.workspace_id):
        _store(segment, evaluate(compiled, batch, now), now)
    SegmentTracking.objects.update_or_create(
        segment=segment, defaults={"rule_checksum": checksum(segment.rule), "baseline_at": now}
    )


def reevaluate_contact(
    workspace: Workspace,
    contact: Contact,
    now: datetime,
    *,
    event_name: str | None = None,
    journeys: Iterable[Journey] | None = None,
) -> int:
    """After an event (or a change) of one contact: the segments it could move in."""
    enrolled = 0
    for segment, entering in tracked_segments(workspace, journeys):
        if not _is_tracked(segment):
            continue  # the sweep baselines it first
        compiled = compile_segment(segment)
        if event_name is not None and event_name not in {r.name for r in compiled.requirements}:
            continue  # this event cannot change the answer
        enrolled += _transition(segment, entering, [contact], now, compiled)
    return enrolled


def reevaluate_contacts(contacts: Sequence[Contact], now: datetime) -> int:
    """After the walker changed contacts (`update_contact` nodes): the segments they may have
    entered, a batch per segment."""
    if not contacts:
        return 0
    enrolled = 0
    for segment, entering in tracked_segments():
        changed = [c for c in contacts if c.workspace_id == segment.workspace_id]
        if changed and _is_tracked(segment):
            enrolled += _transition(segment, entering, changed, now)
    return enrolled


def _is_tracked(segment: Segment) -> bool:
    """Baselined under the segment's current rule (`tracking` is selected with the segment)."""
    tracking: SegmentTracking | None = getattr(segment, "tracking", None)
    return tracking is not None and tracking.rule_checksum == checksum(segment.rule)


def sweep(now: datetime, *, batch_size: int = 500) -> int:
    """Baseline newly tracked segments, then re-evaluate every state due at `now`."""
    enrolled = 0
    for segment, entering in tracked_segments():
        if not _is_tracked(segment):
            with transaction.atomic():
                _baseline(segment, now)
        while True:
            with transaction.atomic():
                due = list(
                    SegmentState.objects.filter(segment=segment, recheck_at__lte=now)
                    .order_by("recheck_at")
                    .values_list("contact_id", flat=True)[:batch_size]
                )
                if not due:
                    break
                contacts = list(Contact.objects.filter(pk__in=due))
                enrolled += _transition(segment, entering, contacts, now)
    return enrolled
