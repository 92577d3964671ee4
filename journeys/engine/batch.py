"""What a walker pass holds: the claimed enrollments and their contacts, as plain records.

The walker reads a batch in a handful of queries and never builds a model instance for it:
building an Enrollment and a Contact per row, with every JSON and datetime column decoded, cost
more than the rest of the step (profiled: a third of a pass). Only the columns the handlers and
the write-back use are read, through `values_list`, so each backend still decodes its own JSON
and datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.models import Contact, Workspace
from core.rules.evaluation import BUILTIN_FIELDS, ContactSnapshot
from core.timing import first_zone
from journeys.engine.claim import Claim
from journeys.models import Enrollment, Journey, JourneyVersion
from journeys.nodes.base import ChangeContact

_BUILTIN = tuple(sorted(BUILTIN_FIELDS))
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
    "contact__workspace_id",
    "contact__external_id",
    "contact__attributes",
    "contact__tags",
    *(f"contact__{name}" for name in _BUILTIN),
)


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


@dataclass(frozen=True)
class Scope:
    """What a batch's enrollments share: their journeys' names and version checksums, and their
    contacts' workspaces (for the default quiet hours and timezone)."""

    journey_names: dict[int, str]
    checksums: dict[int, str]
    workspaces: dict[int, Workspace]

    def zone(self, contact: ContactState) -> ZoneInfo:
        """The contact's zone, else the workspace's, else UTC (a bad name is skipped)."""
        workspace = self.workspaces[contact.workspace_id]
        return first_zone(contact.fields["timezone"], workspace.timezone)


def load(claim: Claim) -> list[EnrollmentState]:
    """The claimed enrollments still held under the claim's token, with their contacts, in
    the order they enrolled: a pass is then the same on every database (which of two sends
    at the same instant a frequency cap lets through, say)."""
    rows = (
        Enrollment.objects.filter(pk__in=claim.ids, lease_token=claim.token)
        .order_by("pk")
        .values_list(*_ENROLLMENT_COLUMNS)
    )
    return [EnrollmentState(row) for row in rows]


def load_scope(enrollments: Iterable[EnrollmentState]) -> Scope:
    journey_ids, version_ids, workspace_ids = set(), set(), set()
    for enrollment in enrollments:
        journey_ids.add(enrollment.journey_id)
        version_ids.add(enrollment.version_id)
        workspace_ids.add(enrollment.contact.workspace_id)
    return Scope(
        journey_names=dict(Journey.objects.filter(pk__in=journey_ids).values_list("id", "name")),
        checksums=dict(
            JourneyVersion.objects.filter(pk__in=version_ids).values_list("id", "checksum")
        ),
        workspaces=Workspace.objects.in_bulk(workspace_ids),
    )
