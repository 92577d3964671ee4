"""Every hook is specified with the facts a plugin author needs, and has a docs section."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from channels_plugins import hookspecs
from tests.channels_plugins.plugin import ChatPlugin
from tests.support.system import REPO_ROOT

DOCS: Path = REPO_ROOT / "docs" / "plugins.md"


def hookspec_names() -> set[str]:
    return {
        name
        for name, value in vars(hookspecs).items()
        if name.startswith("touchflow_") and hasattr(value, f"{hookspecs.PROJECT_NAME}_spec")
    }


def documented_hooks(docs: str) -> set[str]:
    return set(re.findall(r"^### (touchflow_\w+)\s*$", docs, flags=re.MULTILINE))


def test_every_hook_has_a_docs_section_and_every_section_a_hook() -> None:
    hooks = hookspec_names()
    assert {"touchflow_register_channels", "touchflow_register_providers"} <= hooks
    assert documented_hooks(DOCS.read_text()) == hooks


def test_the_docs_check_catches_a_missing_section() -> None:
    docs = DOCS.read_text().replace("### touchflow_register_providers", "")
    assert hookspec_names() - documented_hooks(docs) == {"touchflow_register_providers"}


def test_every_hookspec_says_what_it_takes_returns_and_since_when() -> None:
    for name in hookspec_names():
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        for fact in ("Parameters:", "Returns:", "firstresult", "Added in"):
            assert fact in doc, (name, fact)


def test_the_test_plugin_implements_every_hook() -> None:
    assert {name for name in dir(ChatPlugin) if name.startswith("touchflow_")} == hookspec_names()
