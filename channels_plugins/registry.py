"""The channel registry: the one module that calls the plugin hooks.

Everything else asks `get_registry()` for channels and providers. The registry is built on
first use and kept; `reset_registry()` drops it (tests, settings changes).
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from typing import Any

from channels_plugins.base import Channel, Provider
from channels_plugins.manager import PluginSource, build_plugin_manager
from core.conf import touchflow_settings


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str
    hooks: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "hooks": list(self.hooks)}


@dataclass(frozen=True)
class Problem:
    """A registration conflict, reported by the system checks with `check_id`."""

    check_id: str
    message: str


@dataclass
class Registry:
    channels: dict[str, Channel] = field(default_factory=dict)
    providers: dict[tuple[str, str], Provider] = field(default_factory=dict)
    plugins: list[PluginInfo] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def provider(self, channel: str, name: str) -> Provider | None:
        return self.providers.get((channel, name))

    def providers_for(self, channel: str) -> list[Provider]:
        return [p for (c, _), p in sorted(self.providers.items()) if c == channel]


_lock = threading.Lock()
_registry: Registry | None = None
_extra_plugins: list[tuple[str, object]] = []


def get_registry() -> Registry:
    global _registry
    with _lock:
        if _registry is None:
            _registry = _build()
        return _registry


def reset_registry() -> None:
    global _registry
    with _lock:
        _registry = None


def _source() -> PluginSource:
    return PluginSource(
        load_entry_points=bool(touchflow_settings.LOAD_ENTRY_POINTS),
        allow=tuple(touchflow_settings.PLUGINS_ALLOW),
        block=tuple(touchflow_settings.PLUGINS_BLOCK),
        extra=tuple(_extra_plugins),
    )


def _build() -> Registry:
    manager, versions = build_plugin_manager(_source())
    registry = Registry()
    channel_owner: dict[str, str] = {}
    pending_providers: list[tuple[str, Provider]] = []

    for plugin_name, plugin in manager.list_name_plugin():
        if plugin is None:
            continue

        def register_channel(channel: Channel, *, _plugin: str = plugin_name) -> None:
            if channel.name in registry.channels:
                registry.problems.append(
                    Problem(
                        "touchflow.E001",
                        f"Channel {channel.name!r} is registered by both "
                        f"{channel_owner[channel.name]!r} and {_plugin!r}.",
                    )
                )
                return
            registry.channels[channel.name] = channel
            channel_owner[channel.name] = _plugin

        def register_provider(provider: Provider, *, _plugin: str = plugin_name) -> None:
            pending_providers.append((_plugin, dataclasses.replace(provider, plugin=_plugin)))

        caller = manager.subset_hook_caller
        everyone_else = [p for n, p in manager.list_name_plugin() if n != plugin_name]
        caller("touchflow_register_channels", everyone_else)(register=register_channel)
        caller("touchflow_register_providers", everyone_else)(register=register_provider)
        hooks = tuple(sorted(h.name for h in manager.get_hookcallers(plugin) or []))
        registry.plugins.append(PluginInfo(plugin_name, versions.get(plugin_name, "0"), hooks))

    for plugin_name, provider in pending_providers:
        _add_provider(registry, plugin_name, provider)
    return registry


def _add_provider(registry: Registry, plugin_name: str, provider: Provider) -> None:
    """File the provider under each channel it serves; `"*"` means every registered channel."""
    served = list(registry.channels) if provider.channels == ("*",) else provider.channels
    for channel in served:
        if channel not in registry.channels:
            registry.problems.append(
                Problem(
                    "touchflow.E002",
                    f"Provider {provider.name!r} of plugin {plugin_name!r} serves channel "
                    f"{channel!r}, which no plugin registers.",
                )
            )
            continue
        key = (channel, provider.name)
        if key in registry.providers:
            registry.problems.append(
                Problem(
                    "touchflow.E003",
                    f"Provider {provider.name!r} for channel {channel!r} is registered by both "
                    f"{registry.providers[key].plugin!r} and {plugin_name!r}.",
                )
            )
            continue
        registry.providers[key] = provider
