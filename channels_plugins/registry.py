"""The channel registry: the one module that calls plugin hooks.

Everything else asks `get_registry()` for channels and providers, and calls the per-message
hooks (address resolution, the send-policy veto, after-send observation) through its typed
methods, with keyword arguments. The registry is built from the plugin manager on first use
and kept as long as that manager; `reset_registry()` drops both.

What a misbehaving plugin may do to a caller is decided here, once: a send-policy exception is
a veto (fail closed), an after-send exception is logged and swallowed; an address exception is
raised as `PluginHookError`, which dispatch records as a skip.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pluggy
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from channels_plugins import manager as plugin_manager
from channels_plugins.base import Channel, Outcome, Provider

if TYPE_CHECKING:
    from channels_plugins.models import ChannelAccount, Message
    from core.models import Contact

NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")  # fits ChannelAccount.channel / .provider
POLICY_ERROR = "policy_error"
logger = logging.getLogger(__name__)


class PluginHookError(Exception):
    """A plugin's hook implementation raised; `str()` says which hook and what it raised."""


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str
    hooks: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "hooks": list(self.hooks)}


@dataclass(frozen=True)
class Problem:
    """A registration problem, reported by `channels_plugins.checks` with `check_id`."""

    check_id: str
    message: str


@dataclass
class Registry:
    """What the plugins registered. Read it; never change it (every caller shares it)."""

    channels: dict[str, Channel] = field(default_factory=dict)
    providers: dict[tuple[str, str], Provider] = field(default_factory=dict)  # (channel, name)
    plugins: list[PluginInfo] = field(default_factory=list)  # in registration order
    problems: list[Problem] = field(default_factory=list)
    # The manager the registry was built from; None for an empty registry (no hooks to call).
    manager: pluggy.PluginManager | None = field(default=None, repr=False, compare=False)
    _after_send_callers: list[tuple[str, Callable[..., object]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def channel(self, name: str) -> Channel | None:
        return self.channels.get(name)

    def provider(self, channel: str, name: str) -> Provider | None:
        return self.providers.get((channel, name))

    def providers_for(self, channel: str) -> list[Provider]:
        """The channel's providers, by name."""
        return [p for (c, _), p in sorted(self.providers.items()) if c == channel]

    def params_schemas(self) -> dict[str, Mapping[str, Any]]:
        """Channel name → send-node params schema, what journey validation needs."""
        return {name: channel.params_schema for name, channel in self.channels.items()}

    # --- Per-message hooks (hookspecs.py documents each) ---------------------------------

    def resolve_address(self, *, contact: Contact, channel: str, provider: str) -> str | None:
        """A plugin's address for the contact, or None when no plugin claims the channel.

        Raises `PluginHookError` when an implementation raises; an answer that is not a
        non-empty string counts as no address (None), so a plugin cannot hand a provider junk.
        """
        if self.manager is None:
            return None
        try:
            found = self.manager.hook.touchflow_resolve_address(
                contact=contact, channel=channel, provider=provider
            )
        except Exception as exc:
            raise PluginHookError(
                f"touchflow_resolve_address raised {type(exc).__name__}: {exc}"
            ) from exc
        return found if isinstance(found, str) and found else None

    def send_policy(
        self, *, message: Message, contact: Contact, account: ChannelAccount, now: datetime
    ) -> str | None:
        """The reason to skip `message` (at most 200 characters), or None to allow it.

        Fails closed: an implementation that raises vetoes with ``policy_error: …``.
        """
        if self.manager is None:
            return None
        try:
            veto = self.manager.hook.touchflow_send_policy(
                message=message, contact=contact, account=account, now=now
            )
        except Exception as exc:
            logger.exception("touchflow_send_policy raised for message %s", message.pk)
            veto = f"{POLICY_ERROR}: {type(exc).__name__}: {exc}"
        if veto is None:
            return None
        return (str(veto) or POLICY_ERROR)[:200]

    def after_send(self, *, message: Message, outcome: Outcome) -> None:
        """Tell every observer; one raising neither stops the others nor reaches the caller."""
        if self.manager is None:
            return
        for plugin_name, observe in self._observers():
            try:
                observe(message=message, outcome=outcome)
            except Exception:
                logger.exception(
                    "touchflow_after_send of plugin %r raised for message %s",
                    plugin_name,
                    message.pk,
                )

    def _observers(self) -> list[tuple[str, Callable[..., object]]]:
        """One caller per plugin implementing after_send, in pluggy's calling order.

        Calling them one by one (rather than the hook once) is what lets the others run when
        one raises; each is still a pluggy caller, so the plugin's own wrappers apply.
        """
        if self._after_send_callers is None:
            assert self.manager is not None
            pm = self.manager
            impls = pm.hook.touchflow_after_send.get_hookimpls()
            plugins = [impl.plugin for impl in impls]
            self._after_send_callers = [
                (
                    impl.plugin_name,
                    pm.subset_hook_caller(
                        "touchflow_after_send",
                        remove_plugins=[p for p in plugins if p is not impl.plugin],
                    ),
                )
                for impl in reversed(impls)
            ]
        return self._after_send_callers


_lock = threading.Lock()
_built: tuple[plugin_manager.LoadedPlugins, Registry] | None = None


def get_registry() -> Registry:
    """The registry of the current plugin manager, built once per manager.

    Raises `pluggy.PluginValidationError` while a plugin implements a hook that does not
    exist (system check touchflow.E004 says which).
    """
    global _built
    loaded = plugin_manager.get_plugins()
    with _lock:
        if _built is None or _built[0] is not loaded:
            _built = (loaded, _collect(loaded))
        return _built[1]


def reset_registry() -> None:
    """Rebuild plugins and registry on next use (after changing settings or plugins)."""
    global _built
    with _lock:
        _built = None
    plugin_manager.reset()


def _collect(loaded: plugin_manager.LoadedPlugins) -> Registry:
    """Call the registration hooks one plugin at a time, so each object knows its plugin."""
    pm = loaded.manager
    registry = Registry(manager=pm)
    channel_owner: dict[str, str] = {}
    providers: list[Provider] = []
    named = [(name, plugin) for name, plugin in pm.list_name_plugin() if plugin is not None]

    for plugin_name, plugin in named:

        def register_channel(channel: Channel, *, _plugin: str = plugin_name) -> None:
            problem = _channel_problem(channel)
            if problem:
                registry.problems.append(Problem("touchflow.E005", f"{_plugin!r}: {problem}"))
            elif channel.name in registry.channels:
                registry.problems.append(
                    Problem(
                        "touchflow.E001",
                        f"Channel {channel.name!r} is registered by both "
                        f"{channel_owner[channel.name]!r} and {_plugin!r}.",
                    )
                )
            else:
                registry.channels[channel.name] = channel
                channel_owner[channel.name] = _plugin

        def register_provider(provider: Provider, *, _plugin: str = plugin_name) -> None:
            problem = _provider_problem(provider)
            if problem:
                registry.problems.append(Problem("touchflow.E005", f"{_plugin!r}: {problem}"))
                return
            # A copy carries the plugin's name; the plugin's own object is left as it was.
            owned = copy.copy(provider)
            object.__setattr__(owned, "plugin", _plugin)
            providers.append(owned)

        others = [other for _, other in named if other is not plugin]
        _call(pm, "touchflow_register_channels", others, register=register_channel)
        _call(pm, "touchflow_register_providers", others, register=register_provider)
        hooks = tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or []))
        version = loaded.versions.get(plugin_name, "0")
        registry.plugins.append(PluginInfo(plugin_name, version, hooks))

    for provider in providers:  # after every channel, so any plugin may serve any channel
        _add_provider(registry, provider)
    return registry


def _call(
    pm: pluggy.PluginManager, hook: str, skip: list[object], *, register: Callable[[Any], None]
) -> None:
    pm.subset_hook_caller(hook, remove_plugins=skip)(register=register)


def _schema_problem(schema: object) -> str | None:
    if not isinstance(schema, Mapping):
        return "is not a JSON object"
    try:
        Draft202012Validator.check_schema(dict(schema))
    except SchemaError as exc:
        return f"is not a valid JSON Schema (draft 2020-12): {exc.message}"
    return None


def _channel_problem(channel: object) -> str | None:
    if not isinstance(channel, Channel):
        return f"register() of touchflow_register_channels takes a Channel, not {channel!r}."
    if not NAME.match(channel.name):
        return f"channel name {channel.name!r} must match {NAME.pattern}."
    problem = _schema_problem(channel.params_schema)
    return f"params_schema of channel {channel.name!r} {problem}" if problem else None


def _provider_problem(provider: object) -> str | None:
    if not isinstance(provider, Provider):
        return f"register() of touchflow_register_providers takes a Provider, not {provider!r}."
    if not NAME.match(provider.name):
        return f"provider name {provider.name!r} must match {NAME.pattern}."
    if not provider.channels or not isinstance(provider.channels, tuple):
        return f"provider {provider.name!r} must list its channels in a non-empty tuple."
    if not isinstance(provider.max_batch_size, int) or provider.max_batch_size < 1:
        return f"provider {provider.name!r} must have a max_batch_size of at least 1."
    problem = _schema_problem(provider.config_schema)
    return f"config_schema of provider {provider.name!r} {problem}" if problem else None


def _add_provider(registry: Registry, provider: Provider) -> None:
    """File the provider under each channel it serves; `"*"` means every registered channel."""
    served = list(registry.channels) if "*" in provider.channels else provider.channels
    for channel in served:
        if channel not in registry.channels:
            registry.problems.append(
                Problem(
                    "touchflow.E002",
                    f"Provider {provider.name!r} of plugin {provider.plugin!r} serves channel "
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
                    f"{registry.providers[key].plugin!r} and {provider.plugin!r}.",
                )
            )
            continue
        registry.providers[key] = provider
