"""A third-party plugin installed as a distribution is found through the `touchflow` group."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from channels_plugins.registry import get_registry, reset_registry

PLUGIN_MODULE = """
from channels_plugins.base import Channel
from channels_plugins.hookspecs import hookimpl

@hookimpl
def touchflow_register_channels(register):
    register(Channel(name="pager", title="Pager", description="Beeps.",
                     params_schema={"type": "object", "additionalProperties": False,
                                    "properties": {}}))
"""


@pytest.fixture
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    (tmp_path / "touchflow_pager.py").write_text(PLUGIN_MODULE)
    dist = tmp_path / "touchflow_pager-0.7.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: touchflow-pager\nVersion: 0.7.0\n")
    (dist / "entry_points.txt").write_text("[touchflow]\npager = touchflow_pager\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    reset_registry()
    yield
    sys.modules.pop("touchflow_pager", None)
    reset_registry()


def test_entry_point_plugin_is_discovered_with_its_version(installed_plugin: None) -> None:
    registry = get_registry()
    assert "pager" in registry.channels
    info = {plugin.name: plugin for plugin in registry.plugins}["pager"]
    assert info.version == "0.7.0"


def test_entry_points_can_be_switched_off(installed_plugin: None) -> None:
    with override_settings(TOUCHFLOW={"LOAD_ENTRY_POINTS": False}):
        reset_registry()
        assert "pager" not in get_registry().channels
