"""Skip-or-fail for tests that need a part of the system a developer may lack.

On a developer's machine a missing part skips with a message saying what to install; under
`CI=true` the same absence fails, because CI must exercise everything.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_EXAMPLES = REPO_ROOT.parent / "shared" / "examples"


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(what: str, how_to_get_it: str) -> NoReturn:
    message = f"{what} is not available: {how_to_get_it}"
    if running_in_ci():
        pytest.fail(message)
    pytest.skip(message)


def shared_examples_dir() -> Path:
    """The contract's example folder, `../shared/examples/` beside the checkout."""
    if not SHARED_EXAMPLES.is_dir():
        missing(
            "../shared/examples",
            "check out the shared contract folder beside this repository",
        )
    return SHARED_EXAMPLES


def django_process_env(**variables: str) -> dict[str, str]:
    """The environment for a Django subprocess: this one without Touchflow's own variables
    (so a developer's shell settings cannot leak in) and without DJANGO_ALLOW_ASYNC_UNSAFE (the
    browser tests set it in their own process; a subprocess must not inherit it), plus
    `variables`."""
    dropped = ("TOUCHFLOW_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env["DJANGO_SETTINGS_MODULE"] = "core.settings"
    env.update(variables)
    return env
