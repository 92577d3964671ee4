"""Builders for engine tests: a published journey and enrollments in it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.models import Contact, Workspace
from journeys.models import Enrollment, EnrollmentStatus, Journey, JourneyVersion
from journeys.services import Publisher, create_journey, publish_journey
from tests.journeys.builders import minimal_journey


def published_journey(
    workspace: Workspace, document: dict[str, Any], *, name: str = "journey"
) -> Journey:
    """`document` created and published through the services, as the API would."""
    journey = create_journey(workspace, name=name, definition=document)
    publish_journey(journey, publisher=Publisher())
    journey.refresh_from_db()
    return journey


def published_version(workspace: Workspace) -> JourneyVersion:
    journey = create_journey(workspace, name="Engine test", definition=minimal_journey())
    version = publish_journey(journey, publisher=Publisher())
    version.journey.refresh_from_db()  # published: now active
    return version


def enrollments(
    version: JourneyVersion,
    count: int,
    *,
    wake_at: datetime | None,
    status: str = EnrollmentStatus.ACTIVE,
    entered_at: datetime,
) -> list[Enrollment]:
    journey: Journey = version.journey
    workspace = journey.workspace
    first = Contact.objects.filter(workspace=workspace).count()
    contacts = Contact.objects.bulk_create(
        Contact(
            workspace=workspace,
            external_id=f"c{first + i}",
            created_at=entered_at,
            updated_at=entered_at,
        )
        for i in range(count)
    )
    return Enrollment.objects.bulk_create(
        Enrollment(
            workspace=workspace,
            journey=journey,
            version=version,
            contact=contact,
            node_id="start",
            context={"arrived_at": entered_at.isoformat()},
            status=status,
            wake_at=wake_at,
            entered_at=entered_at,
        )
        for contact in contacts
    )
