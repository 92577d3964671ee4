"""The timezone a contact's times are read in."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_ZONE = ZoneInfo("UTC")


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_named(*names: str | None) -> ZoneInfo:
    """The first of `names` that is a known zone (the contact's, then the workspace's), else
    UTC: a bad name stored on a contact is skipped, never fatal to its journey."""
    for name in names:
        zone = _zone(name) if name else None
        if zone is not None:
            return zone
    return UTC_ZONE
