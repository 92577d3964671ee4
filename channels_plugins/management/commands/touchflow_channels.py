"""List channels, their providers and the plugins behind them (JOURNEY_FORMAT.md §3).

It runs without the system checks, so it still lists what loaded when plugins conflict; the
conflicts are printed too (`problems` in the JSON).
"""

from __future__ import annotations

import json
from typing import Any

import pluggy
from django.core.management.base import BaseCommand, CommandError, CommandParser

from channels_plugins.registry import Registry, get_registry


def report(registry: Registry) -> dict[str, Any]:
    return {
        "channels": [
            {
                "name": channel.name,
                "title": channel.title,
                "providers": [
                    {"name": p.name, "plugin": p.plugin}
                    for p in registry.providers_for(channel.name)
                ],
            }
            for channel in registry.channels.values()
        ],
        "plugins": [plugin.as_dict() for plugin in registry.plugins],
        "problems": [{"id": p.check_id, "message": p.message} for p in registry.problems],
    }


class Command(BaseCommand):
    help = "List the registered channels, providers and plugins."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = report(get_registry())
        except pluggy.PluginValidationError as exc:
            raise CommandError(f"touchflow.E004: plugin {exc.plugin!r}: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        self.stdout.write("Channels")
        for channel in data["channels"]:
            providers = ", ".join(f"{p['name']} ({p['plugin']})" for p in channel["providers"])
            self.stdout.write(f"  {channel['name']:<10} {channel['title']}: {providers or '-'}")
        self.stdout.write("Plugins")
        for plugin in data["plugins"]:
            hooks = ", ".join(plugin["hooks"]) or "no hooks"
            self.stdout.write(f"  {plugin['name']} {plugin['version']}: {hooks}")
        for problem in data["problems"]:
            self.stderr.write(f"{problem['id']}: {problem['message']}")
