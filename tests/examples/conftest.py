"""examples/touchflow-chatops, installed for real with pip and found by its entry point.

The package is built from a copy of its source (so parallel workers never share a build
directory) into a per-session target folder, offline (`--no-index --no-deps
--no-build-isolation`: its build backend is the project's own setuptools). Tests that want it
put that folder on `sys.path`; the virtualenv and every other test never see it.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from pytest_django.fixtures import Settings

from channels_plugins.registry import reset_registry
from tests.support.system import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "touchflow-chatops"
PACKAGE = "touchflow_chatops"


@pytest.fixture(scope="session")
def chatops_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the installed distribution: the package and its dist-info."""
    work = tmp_path_factory.mktemp("chatops")
    source = shutil.copytree(EXAMPLE, work / "source")
    site = work / "site"
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += ["--no-index", "--no-deps", "--no-build-isolation", "--target", str(site)]
    done = subprocess.run([*command, str(source)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return site


@pytest.fixture
def chatops(
    chatops_site: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> Iterator[ModuleType]:
    """The installed plugin on the path, entry points on; yields its `plugin` module."""
    monkeypatch.syspath_prepend(str(chatops_site))
    settings.TOUCHFLOW = {**getattr(settings, "TOUCHFLOW", {}), "LOAD_ENTRY_POINTS": True}
    reset_registry()
    yield importlib.import_module(f"{PACKAGE}.plugin")
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]
    reset_registry()
