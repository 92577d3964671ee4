"""Contacts for tests, made through the same service the API uses."""

from __future__ import annotations

from typing import Any

from core.models import Contact, Workspace
from core.services.contacts import upsert_contact


def person(
    workspace: Workspace, external_id: str, *, timezone: str = "Asia/Shanghai", **fields: Any
) -> Contact:
    """A contact upserted as the API would (validated fields, clock-stamped times)."""
    data = {"external_id": external_id, "timezone": timezone, **fields}
    return upsert_contact(workspace, data)[0]
