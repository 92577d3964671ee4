"""A web worker builds the plugin registry when it starts, not on a user's first request."""

from __future__ import annotations

from channels_plugins import registry
from core.warmup import warm_up


def test_warm_up_builds_the_plugin_registry() -> None:
    registry.reset_registry()
    warm_up()
    assert registry._built is not None
    assert "sms" in registry._built[1].channels
