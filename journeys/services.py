"""Journey lifecycle: the only code that writes journeys and versions.

Views, admin actions and commands all call these functions, so a rule (a stale `rev` is a
conflict, an invalid draft cannot be published) holds however a change arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Max

from channels_plugins.registry import get_registry
from channels_plugins.services import account_channels
from core import clock
from core.conf import touchflow_settings
from core.models import Contact, Segment, Workspace
from journeys.documents import checksum, encoded_size
from journeys.engine.enrollment import Skipped, enroll_many
from journeys.engine.schedule import plan_next_run
from journeys.engine.versions import entry_trigger
from journeys.models import (
    LIVE_STATUSES,
    Enrollment,
    EnrollmentStatus,
    Journey,
    JourneyStatus,
    JourneyVersion,
)
from journeys.validation import DocumentError, References, validate_document


class JourneyError(Exception):
    """Base of the lifecycle's refusals; each maps to one HTTP status in the API."""


class DocumentTooLarge(JourneyError):
    def __init__(self, size: int) -> None:
        limit = touchflow_settings.MAX_DOCUMENT_BYTES
        super().__init__(f"The journey document is {size} bytes; the limit is {limit}.")


class StaleRevision(JourneyError):
    def __init__(self, current_rev: int) -> None:
        super().__init__("The journey changed since you read it; reload it and apply your edit.")
        self.current_rev = current_rev


class InvalidTransition(JourneyError):
    pass


class InvalidDocument(JourneyError):
    def __init__(self, errors: list[DocumentError]) -> None:
        super().__init__(f"The journey has {len(errors)} validation error(s).")
        self.errors = errors


@dataclass(frozen=True)
class Publisher:
    """Who published: a signed-in user, or an API key (by its visible prefix)."""

    user_id: int | None = None
    key_prefix: str = ""


def check_size(definition: Any) -> None:
    """Refuse a document over MAX_DOCUMENT_BYTES: it could be neither saved nor published."""
    size = encoded_size(definition)
    if size > touchflow_settings.MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge(size)


def workspace_references(workspace: Workspace) -> References:
    """What a document of this workspace may refer to: channels, accounts, segments."""
    registry = get_registry()
    return References(
        channels={name: channel.params_schema for name, channel in registry.channels.items()},
        accounts=account_channels(workspace),
        segments=frozenset(
            Segment.objects.filter(workspace=workspace).values_list("key", flat=True)
        ),
    )


def validate_definition(workspace: Workspace, definition: Any) -> list[DocumentError]:
    return validate_document(definition, workspace_references(workspace))


def create_journey(
    workspace: Workspace, *, name: str, description: str = "", definition: dict[str, Any] | None
) -> Journey:
    journey = Journey(workspace=workspace, name=name, description=description)
    if definition is not None:
        check_size(definition)
        journey.definition = definition
    journey.save()
    return journey


@transaction.atomic
def update_journey(journey: Journey, *, rev: int, changes: dict[str, Any]) -> Journey:
    """Apply `changes` if the journey is still at `rev` (compare-and-set, so no lost update)."""
    if "definition" in changes:
        check_size(changes["definition"])
    updated = Journey.objects.filter(pk=journey.pk, rev=rev).update(
        rev=F("rev") + 1, updated_at=clock.now(), **changes
    )
    if not updated:
        current = Journey.objects.filter(pk=journey.pk).values_list("rev", flat=True).first()
        raise StaleRevision(current if current is not None else rev)
    journey.refresh_from_db()
    return journey


@transaction.atomic
def publish_journey(
    journey: Journey, *, publisher: Publisher, canary_percent: int | None = None
) -> JourneyVersion:
    """Freeze the draft into the next version and make the journey active.

    Without `canary_percent` the new version goes live for every new entrant (and replaces
    any canary). With it, the new version takes that share of new entrants and the live one
    keeps the rest, until `promote_canary`. Enrollments in flight stay on their versions.
    """
    locked = Journey.objects.select_for_update().get(pk=journey.pk)
    if locked.status == JourneyStatus.ARCHIVED:
        raise InvalidTransition("An archived journey cannot be published; clone it instead.")
    if canary_percent is not None and locked.live_version_id is None:
        raise InvalidTransition("A canary needs a live version to compare with; publish first.")
    errors = validate_definition(locked.workspace, locked.definition)
    if errors:
        raise InvalidDocument(errors)
    latest = locked.versions.aggregate(latest=Max("number"))["latest"] or 0
    version = JourneyVersion.objects.create(
        journey=locked,
        number=latest + 1,
        definition=locked.definition,
        checksum=checksum(locked.definition),
        schema_version=locked.definition["schema_version"],
        published_by_id=publisher.user_id,
        published_by_key=publisher.key_prefix,
        published_at=clock.now(),
    )
    if canary_percent is None:
        routing = {"live_version": version, "canary_version": None, "canary_percent": 0}
    else:
        routing = {"canary_version": version, "canary_percent": canary_percent}
    status = locked.status if locked.status == JourneyStatus.PAUSED else JourneyStatus.ACTIVE
    Journey.objects.filter(pk=locked.pk).update(
        **routing, status=status, rev=F("rev") + 1, updated_at=clock.now()
    )
    journey.refresh_from_db()
    plan_next_run(journey, clock.now())
    return version


@transaction.atomic
def promote_canary(journey: Journey) -> Journey:
    """The canary becomes the live version for every new entrant."""
    locked = Journey.objects.select_for_update().get(pk=journey.pk)
    if locked.canary_version_id is None:
        raise InvalidTransition("There is no canary to promote.")
    Journey.objects.filter(pk=locked.pk).update(
        live_version_id=locked.canary_version_id,
        canary_version=None,
        canary_percent=0,
        rev=F("rev") + 1,
        updated_at=clock.now(),
    )
    journey.refresh_from_db()
    plan_next_run(journey, clock.now())
    return journey


_TRANSITIONS: dict[str, tuple[set[str], str]] = {
    "pause": ({JourneyStatus.ACTIVE}, JourneyStatus.PAUSED),
    "resume": ({JourneyStatus.PAUSED}, JourneyStatus.ACTIVE),
    "archive": (
        {JourneyStatus.DRAFT, JourneyStatus.ACTIVE, JourneyStatus.PAUSED},
        JourneyStatus.ARCHIVED,
    ),
}


@transaction.atomic
def change_status(journey: Journey, action: str) -> Journey:
    """Pause, resume or archive; refusing moves the lifecycle does not allow.

    Pausing stops new entries (triggers enroll only active journeys) and holds enrollments
    where they are (the walker claims only active journeys' enrollments); resuming lets them
    continue; archiving exits them.
    """
    allowed_from, target = _TRANSITIONS[action]
    locked = Journey.objects.select_for_update().get(pk=journey.pk)
    if locked.status not in allowed_from:
        raise InvalidTransition(f"A journey that is {locked.status} cannot be {action}d.")
    _set_status(locked, target)
    if target == JourneyStatus.ARCHIVED:
        now = clock.now()
        Enrollment.objects.filter(journey=locked, status__in=LIVE_STATUSES).update(
            status=EnrollmentStatus.EXITED, finished_at=now, wake_at=None
        )
    journey.refresh_from_db()
    plan_next_run(journey, clock.now())  # paused or archived: none; resumed: from now on
    return journey


def _set_status(journey: Journey, status: str) -> None:
    Journey.objects.filter(pk=journey.pk).update(
        status=status, rev=F("rev") + 1, updated_at=clock.now()
    )


def clone_journey(journey: Journey, *, name: str | None = None) -> Journey:
    return create_journey(
        journey.workspace,
        name=name or f"Copy of {journey.name}",
        description=journey.description,
        definition=journey.definition,
    )


def delete_journey(journey: Journey) -> None:
    """Drafts and archived journeys may go; a live one must be archived first."""
    if journey.status in (JourneyStatus.ACTIVE, JourneyStatus.PAUSED):
        raise InvalidTransition("Archive the journey before deleting it.")
    journey.delete()


@transaction.atomic
def enroll_contacts(journey: Journey, external_ids: list[str]) -> dict[str, Any]:
    """The API trigger: enroll existing contacts now, reporting each one skipped and why."""
    version = journey.live_version
    if version is None or journey.status != JourneyStatus.ACTIVE:
        raise InvalidTransition("Only an active journey enrolls contacts; publish it first.")
    if entry_trigger(version).get("kind") != "api":
        raise InvalidTransition("This journey enters on its own trigger, not through the API.")
    wanted = list(dict.fromkeys(external_ids))  # each contact once, in the given order
    found = {
        c.external_id: c
        for c in Contact.objects.filter(workspace=journey.workspace, external_id__in=wanted)
    }
    known = [found[external_id] for external_id in wanted if external_id in found]
    results = enroll_many(journey, known, clock.now())
    outcomes = dict(zip((c.external_id for c in known), results, strict=True))
    enrolled, skipped = 0, []
    for external_id in wanted:
        outcome = outcomes.get(external_id, Skipped("unknown_contact"))
        if isinstance(outcome, Skipped):
            skipped.append({"contact": external_id, "reason": outcome.reason})
        else:
            enrolled += 1
    return {"enrolled": enrolled, "skipped": skipped}
