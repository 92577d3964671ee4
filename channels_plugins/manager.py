"""Building the pluggy plugin manager: built-ins first, then the `touchflow` entry points.

The manager is built lazily, once, by `channels_plugins.registry`; never at import time. The
allow and block lists (settings `PLUGINS_ALLOW`, `PLUGINS_BLOCK`) name plugins: built-ins by
their names in `BUILTIN_PLUGINS`, third-party plugins by their entry-point names.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points

import pluggy

from channels_plugins import hookspecs

ENTRY_POINT_GROUP = "touchflow"
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("builtin.channels", "channels_plugins.builtin.channels"),
    ("builtin.sandbox", "channels_plugins.builtin.sandbox"),
)


@dataclass(frozen=True)
class PluginSource:
    """What to load: entry points or not, name filters, and extra plugins (tests)."""

    load_entry_points: bool = True
    allow: Sequence[str] = ()
    block: Sequence[str] = ()
    extra: Sequence[tuple[str, object]] = ()

    def admits(self, name: str) -> bool:
        if name in self.block:
            return False
        return not self.allow or name in self.allow


def build_plugin_manager(source: PluginSource) -> tuple[pluggy.PluginManager, dict[str, str]]:
    """A manager with every admitted plugin registered; also each plugin's version."""
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    versions: dict[str, str] = {}
    for name, dotted in BUILTIN_PLUGINS:
        if source.admits(name):
            manager.register(importlib.import_module(dotted), name=name)
            versions[name] = _touchflow_version()
    if source.load_entry_points:
        for name, plugin, version in _entry_point_plugins(source):
            manager.register(plugin, name=name)
            versions[name] = version
    for name, plugin in source.extra:
        if source.admits(name):
            manager.register(plugin, name=name)
            versions[name] = getattr(plugin, "__version__", "0")
    manager.check_pending()
    return manager, versions


def _entry_point_plugins(source: PluginSource) -> Iterable[tuple[str, object, str]]:
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        if not source.admits(entry_point.name):
            continue
        distribution = entry_point.dist
        version = distribution.version if distribution is not None else "0"
        yield entry_point.name, entry_point.load(), version


def _touchflow_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("touchflow")
    except PackageNotFoundError:
        return "0"
