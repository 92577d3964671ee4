"""Facts read from immutable version documents, kept per process.

Keyed by (version id, checksum): versions never change, and the checksum guards against an
id reused after a journey was deleted. Callers may pass versions whose definition is deferred;
it is loaded only on a miss.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from journeys.models import JourneyVersion

_triggers: dict[tuple[int, str], Mapping[str, Any]] = {}
_entry_ids: dict[tuple[int, str], str] = {}
_settings: dict[tuple[int, str], Mapping[str, Any]] = {}


def entry_trigger(version: JourneyVersion) -> Mapping[str, Any]:
    key = (version.pk, version.checksum)
    if key not in _triggers:
        entry = next(n for n in version.definition["nodes"] if n["type"] == "entry")
        _triggers[key] = entry["config"]["trigger"]
    return _triggers[key]


def entry_node_id(version: JourneyVersion) -> str:
    key = (version.pk, version.checksum)
    if key not in _entry_ids:
        _entry_ids[key] = next(n["id"] for n in version.definition["nodes"] if n["type"] == "entry")
    return _entry_ids[key]


def version_settings(version: JourneyVersion) -> Mapping[str, Any]:
    key = (version.pk, version.checksum)
    if key not in _settings:
        _settings[key] = version.definition.get("settings") or {}
    return _settings[key]
