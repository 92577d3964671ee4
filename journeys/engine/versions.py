"""Facts read from immutable version documents, kept per process.

Keyed by (version id, checksum): versions never change, and the checksum guards against an
id reused after a journey was deleted. Callers may pass versions whose definition is deferred;
it is loaded only on a miss.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from journeys.models import JourneyVersion

_entries: dict[tuple[int, str], Mapping[str, Any]] = {}
_settings: dict[tuple[int, str], Mapping[str, Any]] = {}


def _entry(version: JourneyVersion) -> Mapping[str, Any]:
    key = (version.pk, version.checksum)
    if key not in _entries:
        _entries[key] = next(n for n in version.definition["nodes"] if n["type"] == "entry")
    return _entries[key]


def entry_trigger(version: JourneyVersion) -> Mapping[str, Any]:
    trigger: Mapping[str, Any] = _entry(version)["config"]["trigger"]
    return trigger


def entry_node_id(version: JourneyVersion) -> str:
    return str(_entry(version)["id"])


def version_settings(version: JourneyVersion) -> Mapping[str, Any]:
    key = (version.pk, version.checksum)
    if key not in _settings:
        _settings[key] = version.definition.get("settings") or {}
    return _settings[key]
