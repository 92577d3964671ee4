"""System checks for plugin registration, registered by `ChannelsPluginsConfig.ready`.

| id | problem |
|---|---|
| touchflow.E001 | a channel name registered by two plugins |
| touchflow.E002 | a provider for a channel no plugin registers |
| touchflow.E003 | a (channel, provider name) pair registered twice |
| touchflow.E004 | a plugin implements a hook that does not exist, or with wrong arguments |
| touchflow.E005 | a registered object is not a valid Channel / Provider (name, schema) |
"""

from __future__ import annotations

from typing import Any

import pluggy
from django.core.checks import CheckMessage, Error

from channels_plugins.registry import get_registry

HINT = "Fix the plugin, or leave it out with TOUCHFLOW_PLUGINS_BLOCK."


def check_plugins(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    try:
        registry = get_registry()
    except pluggy.PluginValidationError as exc:
        return [Error(str(exc), id="touchflow.E004", hint=HINT)]  # the message names the plugin
    return [Error(problem.message, id=problem.check_id, hint=HINT) for problem in registry.problems]
