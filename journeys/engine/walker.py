"""Advancing a claimed batch of enrollments and writing the results back in bulk.

Reads happen up front in a handful of queries (enrollments with their contacts, versions and
workspaces; the event counts the batch's rules need; the accounts messages go through). Each
enrollment then runs through pure node handlers until it sleeps, finishes or uses up its step
budget for this pass. Writes happen in one transaction, as bulk statements, and only for
enrollments still held under the claim's token.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection, transaction

from channels_plugins.models import ChannelAccount, Message, MessageCategory, MessageStatus
from channels_plugins.webhooks import WEBHOOK_CHANNEL
from core.bulk import insert_tuples, update_rows
from core.models import Contact, Workspace
from core.rules.evaluation import BUILTIN_FIELDS, EventRequirement
from core.services.segments import BatchFacts, load_event_counts, snapshot
from core.timing import zone_of
from journeys.engine.claim import Claim, claim_due
from journeys.engine.graph import Graph, cached_graph, graph_for
from journeys.engine.segment_entry import reevaluate_contacts
from journeys.models import Enrollment, EnrollmentStatus, Journey, JourneyVersion, StepLog
from journeys.nodes import handle
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

MAX_STEPS_PER_PASS = 50
ENROLLMENT_FIELDS = [
    "node_id",
    "status",
    "wake_at",
    "visit",
    "context",
    "finished_at",
    "error",
    "lease_until",
    "lease_token",
]


class StepRow(NamedTuple):
    """A StepLog row to insert: building a model per visit cost more than writing it."""

    enrollment_id: int
    node_id: str
    visit: int
    port: str
    at: datetime
    detail: dict[str, Any]


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


@dataclass
class BatchResult:
    advanced: int = 0  # node visits
    messages: list[MessageRow] = field(default_factory=list)
    steps: list[StepRow] = field(default_factory=list)
    changed_contacts: dict[int, Contact] = field(default_factory=dict)
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


def template_contact(contact: Contact) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(contact, name) for name in BUILTIN_FIELDS}
    data.update(
        external_id=contact.external_id,
        attributes=contact.attributes or {},
        tags=list(contact.tags or []),
    )
    return data


def advance_batch(claim: Claim, now: datetime) -> BatchResult:
    enrollments = _load(claim)
    result = BatchResult()
    if not enrollments:
        return result
    graphs = _graphs({e.version for e in enrollments})
    requirements = frozenset().union(*(graph.requirements for graph in graphs.values()))
    facts = load_event_counts([e.contact_id for e in enrollments], requirements, now)
    accounts = _accounts({e.workspace_id for e in enrollments})
    sent = _sent_messages([e.pk for e in enrollments])
    for enrollment in enrollments:
        try:
            _walk(
                enrollment,
                graphs[enrollment.version_id],
                facts,
                accounts,
                sent.get(enrollment.pk, {}),
                now,
                result,
            )
        except Exception as exc:  # noqa: BLE001 - one broken enrollment must not stop the batch
            enrollment.status = EnrollmentStatus.FAILED
            enrollment.error = f"{type(exc).__name__}: {exc}"
            enrollment.finished_at = now
            enrollment.wake_at = None
            result.failed += 1
    _write(claim, enrollments, result, now)
    return result


def _load(claim: Claim) -> list[Enrollment]:
    """The claimed enrollments still held, with their contacts, journeys, versions and the
    contacts' workspaces. The few journeys, versions and workspaces a batch shares are read
    once and attached to every row (as `select_related` would), not joined and rebuilt per
    row: that decoded a journey's whole draft document once per enrollment."""
    enrollments = list(
        Enrollment.objects.filter(pk__in=claim.ids, lease_token=claim.token).select_related(
            "contact"
        )
    )
    if not enrollments:
        return enrollments
    journeys = Journey.objects.in_bulk({e.journey_id for e in enrollments})
    # A batch has few versions, compiled once: their documents are read only when not yet.
    versions = JourneyVersion.objects.defer("definition").in_bulk(
        {e.version_id for e in enrollments}
    )
    workspaces = Workspace.objects.in_bulk({e.contact.workspace_id for e in enrollments})
    attach_journey = Enrollment.journey.field.set_cached_value
    attach_version = Enrollment.version.field.set_cached_value
    attach_workspace = Contact.workspace.field.set_cached_value
    for enrollment in enrollments:
        attach_journey(enrollment, journeys[enrollment.journey_id])
        attach_version(enrollment, versions[enrollment.version_id])
        attach_workspace(enrollment.contact, workspaces[enrollment.contact.workspace_id])
    return enrollments


def _graphs(versions: set[JourneyVersion]) -> dict[int, Graph]:
    """Compiled graphs by version id; documents are read only for versions not yet compiled."""
    graphs = {v.pk: g for v in versions if (g := cached_graph(v.pk, v.checksum)) is not None}
    missing = [v.pk for v in versions if v.pk not in graphs]
    for version in JourneyVersion.objects.filter(pk__in=missing):
        graphs[version.pk] = graph_for(version.pk, version.checksum, version.definition)
    return graphs


def _accounts(workspace_ids: Iterable[int]) -> dict[tuple[int, str], ChannelAccount]:
    return {
        (account.workspace_id, account.name): account
        for account in ChannelAccount.objects.filter(workspace_id__in=list(workspace_ids))
    }


def _sent_messages(enrollment_ids: list[int]) -> dict[int, dict[str, SentMessage]]:
    """Each enrollment's messages by send node (the latest per node), in one query."""
    found: dict[int, dict[str, SentMessage]] = {}
    rows = (
        Message.objects.filter(enrollment_id__in=enrollment_ids)
        .order_by("id")
        .values_list("enrollment_id", "node_id", "id", "status", "sent_at")
    )
    for enrollment_id, node_id, message_id, status, sent_at in rows:
        if enrollment_id is not None:
            found.setdefault(enrollment_id, {})[node_id] = SentMessage(message_id, status, sent_at)
    return found


def _walk(
    enrollment: Enrollment,
    graph: Graph,
    facts: BatchFacts,
    accounts: dict[tuple[int, str], ChannelAccount],
    messages: dict[str, SentMessage],
    now: datetime,
    result: BatchResult,
) -> None:
    contact = enrollment.contact
    journey = enrollment.journey
    settings = graph.settings
    info = JourneyInfo(
        id=journey.pk,
        name=journey.name,
        quiet_hours=settings.get("quiet_hours") or contact.workspace.quiet_hours,
        frequency_cap=settings.get("frequency_cap"),
    )
    zone = zone_of(contact)
    enrollment_facts = EnrollmentFacts(facts, messages)
    # Rebuilt only when a step changed the contact (update_contact), not on every step.
    seen_as, as_template = snapshot(contact), template_contact(contact)
    for _ in range(MAX_STEPS_PER_PASS):
        node = graph.nodes[enrollment.node_id]
        visit = Visit(
            node=node,
            contact=seen_as,
            template_contact=as_template,
            zone=zone,
            now=now,
            arrived_at=datetime.fromisoformat(enrollment.context["arrived_at"]),
            data=enrollment.context,
            event=enrollment.context.get("event"),
            journey=info,
            facts=enrollment_facts,
            messages=messages,
            wired_ports=graph.wired.get(node["id"], frozenset()),
        )
        transition = handle(visit)
        if isinstance(transition, Sleep):
            enrollment.status = EnrollmentStatus.WAITING
            enrollment.wake_at = transition.until
            return
        if isinstance(transition, AwaitEvent):
            enrollment.status = EnrollmentStatus.WAITING
            enrollment.wake_at = transition.timeout_at
            enrollment.context = {
                **enrollment.context,
                AWAITING: {
                    "node": node["id"],
                    "event": transition.event,
                    "where": dict(transition.where),
                    "message_node": transition.message_node,
                },
            }
            return
        if isinstance(transition, AwaitOutcome):
            written = _apply(transition.effects, enrollment, contact, accounts, now, result)
            enrollment.status = EnrollmentStatus.WAITING
            # An item that failed as it was written (a template error) has its outcome already.
            settled = any(m.status == MessageStatus.FAILED for m in written)
            enrollment.wake_at = now if settled else transition.recheck_at
            enrollment.context = {
                **enrollment.context,
                AWAITING: {"node": node["id"], "outcome": True},
            }
            return
        result.advanced += 1
        if isinstance(transition, Finish):
            enrollment.visit += 1
            _log(result, enrollment, node["id"], "", now, {})
            enrollment.status = transition.status
            enrollment.finished_at = now
            enrollment.wake_at = None
            return
        assert isinstance(transition, Advance)
        _apply(transition.effects, enrollment, contact, accounts, now, result)
        enrollment.visit += 1
        if any(isinstance(effect, ChangeContact) for effect in transition.effects):
            seen_as, as_template = snapshot(contact), template_contact(contact)
        _log(result, enrollment, node["id"], transition.port, now, dict(transition.detail))
        target = graph.target(node["id"], transition.port)
        if target is None:
            raise LookupError(f"Port {transition.port!r} of node {node['id']!r} leads nowhere.")
        enrollment.node_id = target
        context = {**enrollment.context, **transition.data, "arrived_at": now.isoformat()}
        context.pop(AWAITING, None)
        enrollment.context = context
        enrollment.status = EnrollmentStatus.ACTIVE
    enrollment.wake_at = now  # step budget used up: due again at once, in a later pass


def _log(
    result: BatchResult,
    enrollment: Enrollment,
    node_id: str,
    port: str,
    now: datetime,
    detail: dict[str, Any],
) -> None:
    result.steps.append(StepRow(enrollment.pk, node_id, enrollment.visit, port, now, detail))


def _apply(
    effects: Iterable[Effect],
    enrollment: Enrollment,
    contact: Contact,
    accounts: dict[tuple[int, str], ChannelAccount],
    now: datetime,
    result: BatchResult,
) -> list[MessageRow]:
    """Queue the step's writes; returns the outbox items it wrote.

    Items are keyed by (enrollment, node, the visit being made), so replaying a step can never
    write a second one: the key is UNIQUE.
    """
    written: list[MessageRow] = []
    for effect in effects:
        if isinstance(effect, SendMessage):
            written.append(_message(effect, enrollment, accounts, now))
        elif isinstance(effect, CallWebhook):
            written.append(_webhook_call(effect, enrollment, now))
        elif isinstance(effect, ChangeContact):
            _change_contact(contact, effect, now)
            result.changed_contacts[contact.pk] = contact
    result.messages.extend(written)
    return written


def _message(
    effect: SendMessage,
    enrollment: Enrollment,
    accounts: dict[tuple[int, str], ChannelAccount],
    now: datetime,
) -> MessageRow:
    account = accounts.get((enrollment.workspace_id, effect.account))
    status, reason = MessageStatus.PENDING, ""
    if effect.error:
        status, reason = MessageStatus.FAILED, f"content_rejected: {effect.error}"
    elif account is None:
        status, reason = MessageStatus.FAILED, f"config: no account {effect.account!r}"
    return _outbox_item(
        enrollment,
        now,
        channel=effect.channel,
        account_id=None if account is None else account.pk,
        category=effect.category,
        content=dict(effect.content),
        status=status,
        reason=reason,
        frequency_cap=dict(effect.frequency_cap) if effect.frequency_cap else None,
    )


def _webhook_call(effect: CallWebhook, enrollment: Enrollment, now: datetime) -> MessageRow:
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
    enrollment: Enrollment,
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
        contact_id=enrollment.contact_id,
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


def _change_contact(contact: Contact, change: ChangeContact, now: datetime) -> None:
    contact.attributes = {**(contact.attributes or {}), **change.set_attributes}
    tags = [tag for tag in (contact.tags or []) if tag not in change.remove_tags]
    tags.extend(tag for tag in change.add_tags if tag not in tags)
    contact.tags = tags
    contact.updated_at = now


def _write(claim: Claim, enrollments: list[Enrollment], result: BatchResult, now: datetime) -> None:
    with transaction.atomic():
        held = Enrollment.objects.filter(pk__in=claim.ids, lease_token=claim.token)
        if connection.features.has_select_for_update:
            held = held.select_for_update()
        held_ids = set(held.values_list("pk", flat=True))
        mine = [e for e in enrollments if e.pk in held_ids]
        for enrollment in mine:
            enrollment.lease_until = None
            enrollment.lease_token = ""
        update_rows(mine, ENROLLMENT_FIELDS)
        insert_tuples(
            StepLog, StepRow._fields, [s for s in result.steps if s.enrollment_id in held_ids]
        )
        insert_tuples(
            Message, MessageRow._fields, [m for m in result.messages if m.enrollment_id in held_ids]
        )
        changed = list(result.changed_contacts.values())
        update_rows(changed, ["attributes", "tags", "updated_at"])
        # Tags and attributes set by the journey can move a contact into a segment another
        # journey enters on, exactly as an API change would.
        reevaluate_contacts(changed, now)


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
