"""Stand-ins: each real provider's side of its protocol, served on loopback.

A stand-in checks credentials and recomputes signatures exactly as the provider does (a wrong
secret fails), answers with the provider's real success, partial-failure and error payloads,
and can post the provider's signed receipts back to Touchflow. Tests deliver through them, the
benchmarks measure against them, and `manage.py touchflow_standins` serves them so the demo
workspace's accounts can deliver somewhere real without a network.

Every module of this package that defines a `STANDIN` (a `Standin` subclass) is found by
`available()`: adding a provider's stand-in touches no shared list.
"""

from __future__ import annotations

import importlib
import pkgutil

from channels_plugins.standins.base import Standin


def available() -> dict[str, type[Standin]]:
    """Stand-in classes by the provider name they speak for."""
    found: dict[str, type[Standin]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        standin = getattr(module, "STANDIN", None)
        if isinstance(standin, type) and issubclass(standin, Standin):
            found[standin.provider] = standin
    return found
