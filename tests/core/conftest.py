"""Fixtures of the core tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.models import Contact, Workspace
from core.signals import contact_changed


@pytest.fixture
def changes() -> Iterator[list[tuple[str, bool]]]:
    """Every `contact_changed` announcement while the test runs: (external id, created)."""
    seen: list[tuple[str, bool]] = []

    def receiver(sender: Any, workspace: Workspace, contact: Contact, created: bool, **_: Any):
        seen.append((contact.external_id, created))

    contact_changed.connect(receiver, dispatch_uid="tests.core.changes")
    yield seen
    contact_changed.disconnect(dispatch_uid="tests.core.changes")
