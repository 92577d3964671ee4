"""System checks for plugin registration (ids touchflow.E001 to E003, see hookspecs)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from channels_plugins.registry import get_registry


@register()
def check_plugin_registrations(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    return [
        Error(
            problem.message,
            id=problem.check_id,
            hint="Block one plugin with TOUCHFLOW_PLUGINS_BLOCK or remove it.",
        )
        for problem in get_registry().problems
    ]
