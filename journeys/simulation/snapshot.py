"""What the simulation process needs from the main database, read in a few short queries.

Read in autocommit rather than inside `transaction.atomic()`: on SQLite Touchflow opens
transactions with BEGIN IMMEDIATE, which takes the write lock, and a simulation must never hold
that lock, however briefly. Secrets stay behind: accounts travel as name, channel and click
tracking only, and become sandbox accounts on the other side.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from channels_plugins.models import ChannelAccount
from core.models import Segment
from journeys.models import Journey


def take(journey: Journey, definition: Mapping[str, Any]) -> dict[str, Any]:
    workspace = journey.workspace
    return {
        "workspace": {
            "slug": workspace.slug,
            "name": workspace.name,
            "timezone": workspace.timezone,
            "quiet_hours": workspace.quiet_hours,
            "frequency_caps": workspace.frequency_caps,
        },
        "accounts": [
            {"name": name, "channel": channel, "track_clicks": track_clicks}
            for name, channel, track_clicks in ChannelAccount.objects.filter(
                workspace=workspace
            ).values_list("name", "channel", "track_clicks")
        ],
        "segments": [
            {"key": key, "name": name, "rule": rule}
            for key, name, rule in Segment.objects.filter(workspace=workspace).values_list(
                "key", "name", "rule"
            )
        ],
        "journey": {"name": journey.name, "definition": dict(definition)},
    }
