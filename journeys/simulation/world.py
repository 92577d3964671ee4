"""The simulation's private world, built in its own empty database from the parent's snapshot.

The workspace keeps its time zone, quiet hours and caps; each channel account keeps its name,
channel and click tracking but becomes a `sandbox` account with an empty config, so nothing
the run does can reach a real provider; the journey is created and published through the
ordinary services, so the run executes exactly what publishing would freeze.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from channels_plugins.registry import get_registry
from channels_plugins.services import create_account
from core.models import Contact, Segment, Workspace
from core.services.contacts import bulk_upsert
from journeys.engine.versions import entry_trigger
from journeys.models import Journey, JourneyVersion
from journeys.services import InvalidDocument, Publisher, create_journey, publish_journey
from journeys.simulation.population import contacts as population_contacts


class WorldError(Exception):
    """The snapshot cannot be turned into a runnable world (reported as the run's error)."""


@dataclass
class World:
    workspace: Workspace
    journey: Journey
    version: JourneyVersion
    trigger: Mapping[str, Any]
    contacts: dict[str, Contact]  # by external id, in creation order


def build(snapshot: Mapping[str, Any], request: Mapping[str, Any]) -> World:
    if Workspace.objects.exists():
        raise WorldError("A simulation runs only in an empty database made for it.")
    source = snapshot["workspace"]
    workspace = Workspace.objects.create(
        slug=source["slug"],
        name=source["name"],
        timezone=source["timezone"],
        quiet_hours=source["quiet_hours"],
        frequency_caps=source["frequency_caps"],
    )
    channels = get_registry().channels
    for account in snapshot["accounts"]:
        if account["channel"] in channels:  # others cannot be referenced by a valid document
            create_account(
                workspace,
                name=account["name"],
                channel=account["channel"],
                provider="sandbox",
                config={},
                track_clicks=account["track_clicks"],
            )
    # Copied as they are: they were validated in the workspace, and segments may refer to each
    # other in any order, which one-at-a-time creation through the service would refuse.
    Segment.objects.bulk_create(
        Segment(workspace=workspace, key=s["key"], name=s["name"], rule=s["rule"])
        for s in snapshot["segments"]
    )
    journey = create_journey(
        workspace, name=snapshot["journey"]["name"], definition=snapshot["journey"]["definition"]
    )
    try:
        version = publish_journey(journey, publisher=Publisher())
    except InvalidDocument as exc:
        problems = "; ".join(f"{e.path or '/'}: {e.message}" for e in exc.errors)
        raise WorldError(f"The journey does not validate here: {problems}") from exc
    # The loop fires schedules itself, for the contacts arrived by each firing; the engine's
    # own schedule would enroll everyone a second time.
    Journey.objects.filter(pk=journey.pk).update(next_run_at=None)
    journey.refresh_from_db()
    payloads = population_contacts(request["population"], request["seed"])
    bulk_upsert(workspace, payloads)
    by_id = {c.external_id: c for c in Contact.objects.filter(workspace=workspace)}
    ordered = {p["external_id"]: by_id[p["external_id"]] for p in payloads}
    for contact in ordered.values():
        contact.workspace = workspace  # spares a query per contact wherever it is read
    return World(workspace, journey, version, entry_trigger(version), ordered)
