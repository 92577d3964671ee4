"""The pluggy plugin manager: built-ins first, then the `touchflow` entry points.

Built lazily, once, on first use (never at import time) and kept until `reset()`. The allow
and block lists (settings `PLUGINS_ALLOW`, `PLUGINS_BLOCK`) name plugins: built-ins by their
names in `BUILTIN_PLUGINS`, third-party plugins by their entry-point names. Nothing here calls
a hook: `channels_plugins.registry` is the one typed facade over `manager.hook`.
"""

from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, entry_points, version

import pluggy

from channels_plugins import hookspecs
from core.conf import touchflow_settings

ENTRY_POINT_GROUP = "touchflow"
# (plugin name, module); registered in this order, before any entry point.
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("builtin.channels", "channels_plugins.builtin.channels"),
    ("builtin.sandbox", "channels_plugins.builtin.sandbox"),
    ("builtin.smtp", "channels_plugins.builtin.smtp"),
    ("builtin.wechat_oa", "channels_plugins.builtin.wechat_oa"),
    ("builtin.fcm", "channels_plugins.builtin.fcm"),
    ("builtin.huawei", "channels_plugins.builtin.huawei"),
    ("builtin.aliyun", "channels_plugins.builtin.aliyun"),
    ("builtin.tencent", "channels_plugins.builtin.tencent"),
    ("builtin.twilio", "channels_plugins.builtin.twilio"),
)


class TouchflowPluginManager(pluggy.PluginManager):
    """Treats every callable named `touchflow_*` as a hook implementation, decorated or not.

    Without this, a misspelled or undecorated hook would be silently ignored; with it,
    `check_pending()` refuses a name no hookspec declares (pytest does the same).
    """

    def parse_hookimpl_opts(self, plugin: object, name: str) -> pluggy.HookimplOpts | None:
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is not None or not name.startswith("touchflow_"):
            return opts
        if not inspect.isroutine(getattr(plugin, name, None)):
            return None
        return pluggy.HookimplOpts(
            wrapper=False,
            hookwrapper=False,
            optionalhook=False,
            tryfirst=False,
            trylast=False,
            specname=None,
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


@dataclass(frozen=True)
class LoadedPlugins:
    """A built manager and the version of each plugin registered with it."""

    manager: pluggy.PluginManager
    versions: Mapping[str, str] = field(default_factory=dict)


def build_plugin_manager(source: PluginSource) -> LoadedPlugins:
    """A manager with every admitted plugin registered, checked by `check_pending()`.

    Raises `pluggy.PluginValidationError` for a hook no hookspec declares (a typo) or an
    implementation whose arguments the hookspec does not have; system check touchflow.E004
    reports it.
    """
    manager = TouchflowPluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    versions: dict[str, str] = {}
    for name, dotted in BUILTIN_PLUGINS:
        if source.admits(name):
            manager.register(importlib.import_module(dotted), name=name)
            versions[name] = _touchflow_version()
    if source.load_entry_points:
        for name, plugin, plugin_version in _entry_point_plugins(source):
            manager.register(plugin, name=name)
            versions[name] = plugin_version
    for name, plugin in source.extra:
        if source.admits(name):
            manager.register(plugin, name=name)
            versions[name] = str(getattr(plugin, "__version__", "0"))
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:  # pluggy names the plugin by its repr only
        name = manager.get_name(exc.plugin) or repr(exc.plugin)
        raise pluggy.PluginValidationError(exc.plugin, f"Plugin {name!r}: {exc}") from exc
    return LoadedPlugins(manager, versions)


def _entry_point_plugins(source: PluginSource) -> Iterable[tuple[str, object, str]]:
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        if not source.admits(entry_point.name):
            continue
        distribution = entry_point.dist
        plugin_version = distribution.version if distribution is not None else "0"
        yield entry_point.name, entry_point.load(), plugin_version


def _touchflow_version() -> str:
    try:
        return version("touchflow")
    except PackageNotFoundError:
        return "0"


# --- The process-wide manager -------------------------------------------------------------

_lock = threading.Lock()
_loaded: LoadedPlugins | None = None
_temporary: list[tuple[str, object]] = []


def current_source() -> PluginSource:
    """What the settings ask for, plus the plugins registered by `temporary_plugin`."""
    return PluginSource(
        load_entry_points=bool(touchflow_settings.LOAD_ENTRY_POINTS),
        allow=tuple(touchflow_settings.PLUGINS_ALLOW),
        block=tuple(touchflow_settings.PLUGINS_BLOCK),
        extra=tuple(_temporary),
    )


def get_plugins() -> LoadedPlugins:
    """The manager, built on first use. A failed build raises again on the next call."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = build_plugin_manager(current_source())
        return _loaded


def reset() -> None:
    """Forget the manager (and so the registry): the next use rebuilds it from the settings."""
    global _loaded
    with _lock:
        _loaded = None


@contextmanager
def temporary_plugin(plugin: object, *, name: str) -> Iterator[None]:
    """Register `plugin` under `name` until the block ends (tests).

    Allow and block lists apply to it as to any plugin. The manager is rebuilt on entry and
    on exit, so code inside the block sees the plugin and code after it does not.
    """
    _temporary.append((name, plugin))
    reset()
    try:
        yield
    finally:
        _temporary.remove((name, plugin))
        reset()
