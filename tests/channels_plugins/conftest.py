from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings

from channels_plugins.registry import Registry, reset_registry
from channels_plugins.testing import registered_plugin
from tests.channels_plugins.plugin import ChatPlugin


@pytest.fixture(autouse=True)
def fresh_registry(settings: Settings) -> Iterator[None]:
    """Built-ins and temporary plugins only: no entry point of the developer's machine."""
    settings.TOUCHFLOW = {**getattr(settings, "TOUCHFLOW", {}), "LOAD_ENTRY_POINTS": False}
    reset_registry()
    yield
    reset_registry()


@pytest.fixture
def chat_plugin() -> Iterator[Registry]:
    with registered_plugin(ChatPlugin(), name="acme-chat") as registry:
        yield registry
