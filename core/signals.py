"""Signals the domain sends so other apps can react without `core` knowing them.

`journeys` subscribes to enroll, wake and convert contacts, and `channels_plugins` to record
engagement (ARCHITECTURE.md §1: dependencies point one way, so `core` announces and never calls
upward). Both signals are sent inside the writing transaction, after the rows exist: a receiver's
writes commit or roll back with the event or contact itself, and a receiver that needs committed
data (a task to enqueue) uses `transaction.on_commit`. A receiver that raises fails the write.

Only `core.services` sends them:

- `event_recorded(sender=Event, workspace, event)`: once per newly stored event (`record_event`,
  so every `track` and every `/batch/` track item). A repeated Segment `messageId` is stored
  once and announced once.
- `contact_changed(sender=Contact, workspace, contact, created)`: after a contact's fields,
  attributes, tags or consents were written (`upsert_contact`, `update_contact`, identify,
  once per contact of a `bulk_upsert`), and when ingestion creates a contact for a user id not
  seen before (`created=True`, sent before that first event's `event_recorded`). Deletion
  sends nothing: the contact and its events are gone, and cascades remove what refers to them.
"""

from __future__ import annotations

from django.dispatch import Signal

event_recorded = Signal()

contact_changed = Signal()
