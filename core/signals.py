"""Signals the domain sends so other apps can react without `core` knowing them.

`journeys` subscribes to enroll, wake and convert contacts (ARCHITECTURE.md §1: dependencies
point one way, so `core` announces and never calls upward). Both are sent inside the writing
transaction, after the rows exist; a receiver that needs committed data uses
`transaction.on_commit`.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `workspace` and `event` (a saved core.models.Event) for each newly stored event;
# a duplicate (same Segment messageId) is not announced again.
event_recorded = Signal()

# Sent with `workspace`, `contact` and `created` (bool) after a contact's fields, attributes,
# tags or consents were written.
contact_changed = Signal()
