"""Advancing a claimed batch of enrollments and writing the results back in bulk.

Reads happen up front in a handful of queries (enrollments with their contacts, versions and
workspaces; the event counts the batch's rules need; the accounts messages go through). Each
enrollment then runs through pure node handlers until it sleeps, finishes or uses up its step
budget for this pass. Writes happen in one transaction, as bulk statements, and only for
enrollments still held under the claim's token.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from channels_plugins.models import ChannelAccount, Message, MessageCategory, MessageStatus
from channels_plugins.webhooks import WEBHOOK_CHANNEL
from core.bulk import insert_tuples, update_rows, update_tuples
from core.models import Contact
from core.rules.evaluation import EventRequirement
from core.services.contacts import locked_rows
from core.services.segments import BatchFacts, load_event_counts
from journeys.engine.batch import (
    ContactState,
    EnrollmentState,
    Scope,
    load,
    load_scope,
    select_in,
)
from journeys.engine.claim import Claim, claim_due
from journeys.engine.graph import Graph, cached_graph, graph_for
from journeys.engine.segment_entry import reevaluate_contacts
from journeys.engine.step_log import PassRow, record_passes
from journeys.models import Enrollment, EnrollmentStatus, JourneyVersion
from journeys.nodes.base import (
    AWAITING,
    Advance,
    AwaitEvent,
    AwaitOutcome,
    CallWebhook,
    ChangeContact,
    Effect,
    Finish,
    JourneyInfo,
    SendMessage,
    SentMessage,
    Sleep,
    Visit,
)

MAX_STEPS_PER_PASS = 50  # at most PASS_VISITS_MAX: a pass's visits are one PassLog row
ENROLLMENT_FIELDS = (
    "node_id",
    "status",
    "wake_at",
    "visit",
    "context",
    "finished_at",
    "error",
    "lease_until",
    "lease_token",
)
_FENCE = ("lease_token",)  # a write-back must still hold the claim's token


class MessageRow(NamedTuple):
    """An outbox row to insert (Message's columns): building a model cost 20 µs per send."""

    workspace_id: int
    contact_id: int
    channel: str
    account_id: int | None
    category: str
    journey_id: int
    node_id: str
    enrollment_id: int
    content: dict[str, Any]
    idempotency_key: str
    status: str
    reason: str
    created_at: datetime
    attempts: int = 0
    next_attempt_at: datetime | None = None
    provider_message_id: str = ""
    sent_at: datetime | None = None
    frequency_cap: dict[str, Any] | None = None
    possible_duplicate: bool = False


@dataclass
class BatchResult:
    advanced: int = 0  # node visits
    messages: list[MessageRow] = field(default_factory=list)
    passes: list[PassRow] = field(default_factory=list)
    failed: int = 0


@dataclass(frozen=True)
class EnrollmentFacts:
    """The batch's facts, with `message` leaves of this journey (no `journey` key) answered
    from the enrollment's own messages: "the push this enrollment got was opened"."""

    batch: BatchFacts
    messages: Mapping[str, SentMessage]

    def event_count(self, contact_id: int, requirement: EventRequirement) -> int:
        return self.batch.event_count(contact_id, requirement)

    def message_status(self, contact_id: int, node: str, journey: int | None) -> str | None:
        if journey is None:
            message = self.messages.get(node)
            return message.status if message is not None else None
        return self.batch.message_status(contact_id, node, journey)


def advance_batch(claim: Claim, now: datetime) -> BatchResult:
    """Advance the claimed enrollments and write the results back, with the cyclic garbage
    collector paused (see `_collector_paused`)."""
    with _collector_paused():
        return _advance_batch(claim, now)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the length of a batch.

    A batch allocates hundreds of thousands of short-lived objects that reference counting
    frees, yet it keeps its rows alive until the write-back, so the collector's allocation
    counts promoted them and triggered full collections over every object in the process:
    72 ms each, 17 % of a pass (profiled at N=20,000). Any cycle a batch leaves is still
    collected: the collector runs again as soon as it is back on. Nested or concurrent
    batches leave it as they found it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _advance_batch(claim: Claim, now: datetime) -> BatchResult:
    enrollments = load(claim)
    result = BatchResult()
    if not enrollments:
        return result
    scope = load_scope(enrollments)
    graphs = _graphs(scope.checksums)
    requirements = frozenset().union(*(graph.requirements for graph in graphs.values()))
    facts = load_event_counts([e.contact.pk for e in enrollments], requirements, now)
    accounts = _accounts(scope.workspaces)
    sent = _sent_messages(
        [e.pk for e in enrollments if (g := graphs.get(e.version_id)) and g.reads_messages]
    )
    now_text = now.isoformat()
    run = PassContext(now, now_text, accounts, result, datetime.fromisoformat(now_text))
    journeys: dict[tuple[int, int], JourneyInfo] = {}
    unsent = EnrollmentFacts(facts, {})  # shared by every enrollment that sent nothing yet
    for enrollment in enrollments:
        try:
            graph = graphs[enrollment.version_id]
            key = (enrollment.journey_id, enrollment.contact.workspace_id)
            info = journeys.get(key) or journeys.setdefault(key, _journey_info(scope, graph, key))
            messages = sent.get(enrollment.pk)
            own = EnrollmentFacts(facts, messages) if messages else unsent
            _walk(enrollment, graph, info, scope.zone(enrollment.contact), own, run)
        except Exception as exc:  # noqa: BLE001 - one broken enrollment must not stop the batch
            enrollment.status = EnrollmentStatus.FAILED
            enrollment.error = f"{type(exc).__name__}: {exc}"
            enrollment.finished_at = now
            enrollment.wake_at = None
            result.failed += 1
    result.advanced = sum(len(walked.visits) for walked in result.passes)
    _write(claim, enrollments, result, now)
    return result


def _journey_info(scope: Scope, graph: Graph, key: tuple[int, int]) -> JourneyInfo:
    journey_id, workspace_id = key
    settings = graph.settings
    return JourneyInfo(
        id=journey_id,
        name=scope.journey_names[journey_id],
        quiet_hours=settings.get("quiet_hours") or scope.workspaces[workspace_id].quiet_hours,
        frequency_cap=settings.get("frequency_cap"),
    )


def _graphs(checksums: Mapping[int, str]) -> dict[int, Graph]:
    """Compiled graphs by version id; documents are read only for versions not yet compiled."""
    graphs = {
        pk: graph
        for pk, checksum in checksums.items()
        if (graph := cached_graph(pk, checksum)) is not None
    }
    missing = [pk for pk in checksums if pk not in graphs]
    for version in JourneyVersion.objects.filter(pk__in=missing) if missing else ():
        graphs[version.pk] = graph_for(version.pk, version.checksum, version.definition)
    return graphs


def _accounts(workspace_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    """Channel account ids by (workspace, name): a send node names its account."""
    rows = select_in(ChannelAccount, ("workspace_id", "name", "id"), "workspace", workspace_ids)
    return {(workspace_id, name): pk for workspace_id, name, pk in rows}


def _sent_messages(enrollment_ids: list[int]) -> dict[int, dict[str, SentMessage]]:
    """Each enrollment's messages by send node (the latest per node), in one query (none for
    a batch whose versions never read them)."""
    found: dict[int, dict[str, SentMessage]] = {}
    if not enrollment_ids:
        return found
    rows = (
        Message.objects.filter(enrollment_id__in=enrollment_ids)
        .order_by("id")
        .values_list("enrollment_id", "node_id", "id", "status", "sent_at")
    )
    for enrollment_id, node_id, message_id, status, sent_at in rows:
        if enrollment_id is not None:
            found.setdefault(enrollment_id, {})[node_id] = SentMessage(message_id, status, sent_at)
    return found


@dataclass(frozen=True)
class PassContext:
    """What every enrollment of a pass shares."""

    now: datetime
    now_text: str  # `now` as stored in contexts, formatted once per pass, not once per step
    accounts: Mapping[tuple[int, str], int]
    result: BatchResult
    # `now_text` read back, once per pass: every node after the first in a pass arrived then.
    arrived_now: datetime


_NO_PORTS: frozenset[str] = frozenset()
_ACTIVE = EnrollmentStatus.ACTIVE


def _walk(
    enrollment: EnrollmentState,
    graph: Graph,
    journey: JourneyInfo,
    zone: ZoneInfo,
    facts: EnrollmentFacts,
    run: PassContext,
) -> None:
    now, result, now_text, arrived_now = run.now, run.result, run.now_text, run.arrived_now
    nodes, edges, wired, handlers = graph.nodes, graph.edges, graph.wired, graph.handlers
    visits: list[list[Any]] = []  # logged even if a handler raises part of the way through
    result.passes.append(PassRow(enrollment.pk, enrollment.visit + 1, now, visits))
    add_visit = visits.append
    contact = enrollment.contact
    # Rebuilt only when a step changed the contact (update_contact), not on every step.
    seen_as, as_template = contact.snapshot(), contact.template_data()
    for _ in range(MAX_STEPS_PER_PASS):
        node_id = enrollment.node_id
        context = enrollment.context
        arrived = context["arrived_at"]
        transition = handlers[node_id](
            # Positional, in Visit's field order: parsing keywords cost 0.45 us a visit.
            Visit(
                nodes[node_id],
                seen_as,
                as_template,
                zone,
                now,
                arrived_now if arrived is now_text else datetime.fromisoformat(arrived),
                context,
                context.get("event"),
                journey,
                facts,
                facts.messages,
                wired.get(node_id, _NO_PORTS),
            )
        )
        if isinstance(transition, Advance):
            if transition.effects:
                _apply(transition.effects, enrollment, run)
                if contact.changed:
                    seen_as, as_template = contact.snapshot(), contact.template_data()
            enrollment.visit += 1
            port = transition.port
            detail = transition.detail
            add_visit([node_id, port, dict(detail)] if detail else [node_id, port])
            target = edges.get((node_id, port))
            if target is None:
                raise LookupError(f"Port {port!r} of node {node_id!r} leads nowhere.")
            enrollment.node_id = target
            context = {**context, **transition.data, "arrived_at": now_text}
            context.pop(AWAITING, None)
            enrollment.context = context
            enrollment.status = _ACTIVE
            continue
        if isinstance(transition, Finish):
            enrollment.visit += 1
            add_visit([node_id, ""])
            enrollment.status = transition.status
            enrollment.finished_at = now
            enrollment.wake_at = None
            return
        _park(enrollment, node_id, transition, run)
        return
    enrollment.wake_at = now  # step budget used up: due again at once, in a later pass


def _park(
    enrollment: EnrollmentState,
    node_id: str,
    transition: Sleep | AwaitEvent | AwaitOutcome,
    run: PassContext,
) -> None:
    """Leave the enrollment waiting on its node: for a time, an event or an outcome."""
    enrollment.status = EnrollmentStatus.WAITING
    if isinstance(transition, Sleep):
        enrollment.wake_at = transition.until
        return
    if isinstance(transition, AwaitEvent):
        enrollment.wake_at = transition.timeout_at
        awaiting: dict[str, Any] = {
            "node": node_id,
            "event": transition.event,
            "where": dict(transition.where),
            "message_node": transition.message_node,
        }
    else:
        written = _apply(transition.effects, enrollment, run)
        # An item that failed as it was written (a template error) has its outcome already.
        settled = any(m.status == MessageStatus.FAILED for m in written)
        enrollment.wake_at = run.now if settled else transition.recheck_at
        awaiting = {"node": node_id, "outcome": True}
    enrollment.context = {**enrollment.context, AWAITING: awaiting}


def _apply(
    effects: Iterable[Effect], enrollment: EnrollmentState, run: PassContext
) -> list[MessageRow]:
    """Queue the step's writes; returns the outbox items it wrote.

    Items are keyed by (enrollment, node, the visit being made), so replaying a step can never
    write a second one: the key is UNIQUE.
    """
    written: list[MessageRow] = []
    for effect in effects:
        if isinstance(effect, SendMessage):
            written.append(_message(effect, enrollment, run.accounts, run.now))
        elif isinstance(effect, CallWebhook):
            written.append(_webhook_call(effect, enrollment, run.now))
        elif isinstance(effect, ChangeContact):
            enrollment.contact.change(effect)
    run.result.messages.extend(written)
    return written


def _message(
    effect: SendMessage,
    enrollment: EnrollmentState,
    accounts: Mapping[tuple[int, str], int],
    now: datetime,
) -> MessageRow:
    account_id = accounts.get((enrollment.workspace_id, effect.account))
    status, reason = MessageStatus.PENDING, ""
    if effect.error:
        status, reason = MessageStatus.FAILED, f"content_rejected: {effect.error}"
    elif account_id is None:
        status, reason = MessageStatus.FAILED, f"config: no account {effect.account!r}"
    return _outbox_item(
        enrollment,
        now,
        channel=effect.channel,
        account_id=account_id,
        category=effect.category,
        content=dict(effect.content),
        status=status,
        reason=reason,
        frequency_cap=dict(effect.frequency_cap) if effect.frequency_cap else None,
    )


def _webhook_call(effect: CallWebhook, enrollment: EnrollmentState, now: datetime) -> MessageRow:
    failed = f"content_rejected: {effect.error}" if effect.error else ""
    return _outbox_item(
        enrollment,
        now,
        channel=WEBHOOK_CHANNEL,
        account_id=None,
        category=MessageCategory.TRANSACTIONAL,  # a call to a system: no caps, no quiet hours
        content=dict(effect.request),
        status=MessageStatus.FAILED if failed else MessageStatus.PENDING,
        reason=failed,
    )


def _outbox_item(
    enrollment: EnrollmentState,
    now: datetime,
    *,
    channel: str,
    account_id: int | None,
    category: str,
    content: dict[str, Any],
    status: str,
    reason: str,
    frequency_cap: dict[str, Any] | None = None,
) -> MessageRow:
    visit = enrollment.visit + 1  # the visit this step completes
    return MessageRow(
        workspace_id=enrollment.workspace_id,
        contact_id=enrollment.contact.pk,
        channel=channel,
        account_id=account_id,
        category=category,
        journey_id=enrollment.journey_id,
        node_id=enrollment.node_id,
        enrollment_id=enrollment.pk,
        content=content,
        idempotency_key=f"{enrollment.pk}:{enrollment.node_id}:{visit}",
        status=status,
        reason=reason,
        created_at=now,
        frequency_cap=frequency_cap,
    )


class _LeaseLost(Exception):
    """Part of the batch was claimed by another worker while this one walked it."""


def _write(
    claim: Claim, enrollments: list[EnrollmentState], result: BatchResult, now: datetime
) -> None:
    """Write the batch back, for the enrollments still held under the claim's token.

    The enrollments' UPDATE matches the token, so when it writes every row (the usual case)
    all were still held and no lookup was needed: looking them up first (`_held`) was 2 % of
    an engine run. When it writes fewer (a lease ran out and another worker took over part of
    the batch), the transaction is undone and written again for the held ones, looked up
    and locked first.
    """
    try:
        with transaction.atomic():
            _write_held(enrollments, claim.token, result, now)
    except _LeaseLost:
        with transaction.atomic():
            held_ids = _held(claim)
            mine = [e for e in enrollments if e.pk in held_ids]
            _write_held(mine, claim.token, result, now)


def _write_held(
    enrollments: list[EnrollmentState], token: str, result: BatchResult, now: datetime
) -> None:
    """Write these enrollments and what their pass produced; raises `_LeaseLost` when one of
    them no longer holds `token`."""
    rows = [_enrollment_row(e, token) for e in enrollments]
    if update_tuples(Enrollment, ENROLLMENT_FIELDS, rows, match=_FENCE) != len(rows):
        raise _LeaseLost
    versions = {e.pk: e.version_id for e in enrollments}
    record_passes([p for p in result.passes if p.enrollment_id in versions], versions)
    insert_tuples(
        Message, MessageRow._fields, [m for m in result.messages if m.enrollment_id in versions]
    )
    changed = {id(e.contact): e.contact for e in enrollments if e.contact.changed}
    _write_contacts(list(changed.values()), now)


def _held(claim: Claim) -> set[int]:
    """The claim's enrollments still under its token, locked until the write commits where
    the backend locks rows (PostgreSQL; SQLite's write lock is already held).

    One plain statement: building a queryset for a lookup of hundreds of ids cost more than
    the database spent answering it.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    quote, meta = connection.ops.quote_name, Enrollment._meta
    key, token = quote(meta.pk.column), quote(meta.get_field("lease_token").column)
    sql = (
        f"SELECT {key} FROM {quote(meta.db_table)}"  # noqa: S608 - names from the model
        f" WHERE {token} = %s AND {key} IN ({', '.join(['%s'] * len(claim.ids))})"
    )
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [claim.token, *claim.ids])
        return {pk for (pk,) in cursor.fetchall()}


def _enrollment_row(e: EnrollmentState, token: str) -> tuple[Any, ...]:
    """Values for ENROLLMENT_FIELDS, the key, then the lease token the row must still hold
    (`_FENCE`): writing the row back gives up its lease."""
    return (
        e.node_id,
        e.status,
        e.wake_at,
        e.visit,
        e.context,
        e.finished_at,
        e.error,
        None,
        "",
        e.pk,
        token,
    )


def _write_contacts(changed: list[ContactState], now: datetime) -> None:
    """Save what `update_contact` nodes changed. Tags and attributes set by a journey can move
    a contact into a segment another journey enters on, exactly as an API change would.

    The changes are applied to the rows as they are now, read and locked in this write
    transaction (`locked_rows`), not written as the pass saw them: an API change made while
    the batch ran is kept."""
    if not changed:
        return
    rows = Contact.objects.select_related("workspace").filter(pk__in={c.pk for c in changed})
    contacts = {contact.pk: contact for contact in locked_rows(rows)}
    for state in changed:  # a contact in two enrollments of the batch gets both their changes
        contact = contacts[state.pk]
        for change in state.changes:
            contact.attributes, contact.tags = change.applied_to(
                contact.attributes or {}, contact.tags or []
            )
        contact.updated_at = now
    saved = list(contacts.values())
    update_rows(saved, ["attributes", "tags", "updated_at"])
    reevaluate_contacts(saved, now)


@dataclass
class RunReport:
    advanced: int = 0
    messages_created: int = 0
    failed: int = 0
    drained: bool = True  # False when max_batches stopped it with work still due


def run_due(now: datetime, *, batch_size: int = 500, max_batches: int | None = None) -> RunReport:
    """Claim and advance batches until nothing is due at `now` (or `max_batches` ran)."""
    report = RunReport()
    batches = 0
    while True:
        if max_batches is not None and batches >= max_batches:
            report.drained = False
            return report
        batches += 1
        claim = claim_due(now, limit=batch_size)
        if not claim.ids:
            return report
        result = advance_batch(claim, now)
        report.advanced += result.advanced
        report.messages_created += len(result.messages)
        report.failed += result.failed
