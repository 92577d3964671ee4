"""Startup objects are frozen out of the cyclic collector; later garbage is still collected."""

from __future__ import annotations

import gc
import weakref

from django.apps import apps


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_django_startup_state_is_frozen() -> None:
    assert gc.get_freeze_count() > 0
    core_config = apps.get_app_config("core")  # made at startup: frozen, so no longer listed
    assert all(tracked is not core_config for tracked in gc.get_objects())


def test_cycles_made_after_startup_are_still_collected() -> None:
    first, second = Node(), Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    del first, second
    gc.collect()
    assert gone() is None
