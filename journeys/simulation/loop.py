"""The virtual clock: jump from one due moment to the next and run the real engine there.

A moment is the earliest of: a planned action (a contact entering, a scripted event), an
enrollment's `wake_at`, a message's next attempt. At each one the clock is pinned, the planned
actions go through the real services (events through `track`, so triggers, wakes, goals and
exits react exactly as at ingestion; API and segment entries through `enroll`), and then
`tick` runs the walker and dispatch until nothing more is due. What the engine did is then
read back, and the script plans its reactions: an event after each message a node sent, or
after each entry.

The work is bounded twice: by a number of moments and by a deadline. A run stopped early says
so (`complete: false`) and reports how far it got.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from django.db import transaction
from django.db.models import Min

from channels_plugins.models import Message, MessageStatus
from core import clock
from core.durations import parse_duration
from core.models import Contact, Segment
from core.services.events import track
from core.services.segments import compile_segment, load_event_counts, snapshot
from journeys.engine.enrollment import enroll
from journeys.engine.tick import tick
from journeys.models import LIVE_STATUSES, Enrollment
from journeys.simulation.draws import generator, offset
from journeys.simulation.population import arrival
from journeys.simulation.world import World

ENGAGEMENT_PREFIX = "message."


@dataclass(frozen=True)
class Line:
    """One script line, parsed."""

    index: int
    event: str
    node: str | None
    p: float
    within: timedelta
    properties: Mapping[str, Any]

    @classmethod
    def parse(cls, index: int, raw: Mapping[str, Any]) -> Line:
        within = parse_duration(raw["within"])
        assert within is not None  # the request was validated
        return cls(
            index,
            raw["event"],
            raw.get("node"),
            float(raw["p"]),
            within.approximate(),
            dict(raw.get("properties") or {}),
        )


@dataclass(frozen=True)
class Event:
    contact: str  # external id
    name: str
    properties: Mapping[str, Any]
    line: int | None = None  # the script line that planned it; None for entry events


@dataclass(frozen=True)
class Entry:
    contacts: tuple[str, ...]  # external ids; for a schedule, those arrived by the firing
    segment: str | None = None  # only members of this segment at that moment
    cron: str | None = None  # a schedule's firing: the next one is planned when this fires


Action = Event | Entry


@dataclass
class Outcome:
    complete: bool
    until: datetime
    moments: int
    fired: dict[int, int] = field(default_factory=dict)  # script line → events fired


class Loop:
    def __init__(
        self,
        world: World,
        request: Mapping[str, Any],
        *,
        deadline: float,
        max_moments: int,
    ) -> None:
        self.world = world
        self.seed: int = request["seed"]
        self.start = datetime.fromisoformat(request["start"])
        self.end = self.start + timedelta(days=request["days"])
        self.population: Mapping[str, Any] = request["population"]
        self.lines = [Line.parse(i, raw) for i, raw in enumerate(request.get("script", []))]
        self.deadline = deadline
        self.max_moments = max_moments
        self.planned: list[tuple[datetime, int, Action]] = []
        self.order = itertools.count()
        self.by_pk = {c.pk: c.external_id for c in world.contacts.values()}
        self.arrivals: dict[str, datetime] = {}
        self.last_enrollment = 0
        self.seen_sends: set[int] = set()  # messages already reacted to at `seen_at`
        self.seen_at = self.start
        self.outcome = Outcome(complete=True, until=self.end, moments=0)

    def plan(self, at: datetime, action: Action) -> None:
        if at <= self.end:
            heapq.heappush(self.planned, (at, next(self.order), action))

    def run(self) -> Outcome:
        self._plan_entries()
        moment = self.start
        while True:
            moment_or_none = self._next_moment(moment)
            if moment_or_none is None or moment_or_none > self.end:
                break
            if self.outcome.moments >= self.max_moments or time.monotonic() > self.deadline:
                self.outcome.complete = False
                self.outcome.until = moment
                break
            moment = moment_or_none
            self.outcome.moments += 1
            clock.pin(moment)
            self._apply_due(moment)
            tick(moment)
            self._observe(moment)
        clock.pin(self.outcome.until)
        return self.outcome

    # --- planning ------------------------------------------------------------------------

    def _plan_entries(self) -> None:
        trigger = self.world.trigger
        kind = trigger.get("kind")
        self.arrivals = {
            external_id: self.start + arrival(self.population, self.seed, external_id)
            for external_id in self.world.contacts
        }
        if kind == "event":
            for external_id, at in self.arrivals.items():
                self.plan(at, Event(external_id, trigger["event"], dict(trigger.get("where", {}))))
        elif kind in ("api", "segment"):
            for at, group in _grouped(self.arrivals):
                self.plan(at, Entry(group, trigger.get("segment")))
        elif kind == "schedule":
            self._plan_firing(trigger["cron"], after=self.start - timedelta(microseconds=1))

    def _plan_firing(self, cron: str, *, after: datetime) -> None:
        """The schedule's next firing after `after`, read in the workspace's time zone, with
        the contacts arrived by then. One at a time, so a busy cron costs moments (which are
        bounded) rather than a list made up front."""
        zone = ZoneInfo(self.world.workspace.timezone or "UTC")
        firing: datetime = croniter(cron, after.astimezone(zone)).get_next(datetime)
        arrived = tuple(e for e, at in self.arrivals.items() if at <= firing)
        self.plan(firing, Entry(arrived, self.world.trigger.get("segment"), cron))

    # --- one moment ----------------------------------------------------------------------

    def _next_moment(self, after: datetime) -> datetime | None:
        """The earliest planned action, or engine work due strictly after `after` (what was
        due at `after` itself was drained by the tick there)."""
        candidates = []
        if self.planned:
            candidates.append(self.planned[0][0])
        wake = Enrollment.objects.filter(status__in=LIVE_STATUSES, wake_at__gt=after).aggregate(
            at=Min("wake_at")
        )["at"]
        retry = Message.objects.filter(
            status__in=(MessageStatus.PENDING, MessageStatus.SENDING), next_attempt_at__gt=after
        ).aggregate(at=Min("next_attempt_at"))["at"]
        candidates.extend(at for at in (wake, retry) if at is not None)
        return min(candidates, default=None)

    def _apply_due(self, moment: datetime) -> None:
        contacts = self.world.contacts
        with transaction.atomic():
            while self.planned and self.planned[0][0] <= moment:
                at, _, action = heapq.heappop(self.planned)
                if isinstance(action, Entry):
                    self._enter(action, moment)
                    if action.cron is not None:
                        self._plan_firing(action.cron, after=at)
                    continue
                track(
                    self.world.workspace,
                    user_id=action.contact,
                    contacts=contacts,
                    event=action.name,
                    properties=action.properties,
                    timestamp=at,
                )
                if action.line is not None:
                    self.outcome.fired[action.line] = self.outcome.fired.get(action.line, 0) + 1

    def _enter(self, entry: Entry, moment: datetime) -> None:
        members = [self.world.contacts[e] for e in entry.contacts]
        if entry.segment is not None:
            members = _in_segment(self.world, entry.segment, members, moment)
        for contact in members:
            enroll(self.world.journey, contact, moment, version=self.world.version)

    def _observe(self, moment: datetime) -> None:
        """Plan the script's reactions to what the engine just did."""
        by_node = [line for line in self.lines if line.node is not None]
        on_entry = [line for line in self.lines if line.node is None]
        if on_entry:
            entered = Enrollment.objects.filter(pk__gt=self.last_enrollment).order_by("pk")
            for pk, contact_id, entered_at in entered.values_list("pk", "contact_id", "entered_at"):
                self.last_enrollment = pk
                for line in on_entry:
                    self._react(line, self.by_pk[contact_id], f"entry:{pk}", entered_at, {})
        if not by_node:
            return
        if moment != self.seen_at:
            self.seen_sends, self.seen_at = set(), moment
        sent = Message.objects.filter(
            node_id__in={line.node for line in by_node}, sent_at=moment
        ).exclude(pk__in=self.seen_sends)
        for pk, contact_id, node_id in sent.values_list("pk", "contact_id", "node_id"):
            self.seen_sends.add(pk)
            for line in by_node:
                if line.node == node_id:
                    extra = {"message_id": pk} if line.event.startswith(ENGAGEMENT_PREFIX) else {}
                    self._react(line, self.by_pk[contact_id], f"message:{pk}", moment, extra)

    def _react(
        self, line: Line, contact: str, cause: str, at: datetime, extra: Mapping[str, Any]
    ) -> None:
        rng = generator(self.seed, "script", line.index, cause)
        if rng.random() < line.p:
            properties = {**line.properties, **extra}
            self.plan(
                at + offset(rng, line.within), Event(contact, line.event, properties, line.index)
            )


def _grouped(arrivals: Mapping[str, datetime]) -> Iterator[tuple[datetime, tuple[str, ...]]]:
    """Contacts arriving at the same moment, as one entry each moment (in contact order)."""
    groups: dict[datetime, list[str]] = {}
    for external_id, at in arrivals.items():
        groups.setdefault(at, []).append(external_id)
    for at, group in groups.items():
        yield at, tuple(group)


def _in_segment(world: World, key: str, contacts: list[Contact], moment: datetime) -> list[Contact]:
    """The contacts that are members of segment `key` at `moment`, by the shared rule engine."""
    segment = Segment.objects.get(workspace=world.workspace, key=key)
    compiled = compile_segment(segment)
    facts = load_event_counts([c.pk for c in contacts], compiled.requirements, moment)
    return [c for c in contacts if compiled(snapshot(c), facts)]
