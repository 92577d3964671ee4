"""List channels, their providers and the plugins behind them (JOURNEY_FORMAT.md §3)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from channels_plugins.registry import get_registry


class Command(BaseCommand):
    help = "List the registered channels, providers and plugins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        registry = get_registry()
        report = {
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
        }
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        for channel in report["channels"]:
            providers = ", ".join(f"{p['name']} ({p['plugin']})" for p in channel["providers"])
            self.stdout.write(f"{channel['name']:<10} {channel['title']}: {providers}")
        for plugin in report["plugins"]:
            self.stdout.write(
                f"plugin {plugin['name']} {plugin['version']}: {', '.join(plugin['hooks'])}"
            )
