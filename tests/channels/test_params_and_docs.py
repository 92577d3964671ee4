"""Channel params accept what the examples send and refuse what the contract forbids; every
hook is documented."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from channels_plugins import hookspecs
from channels_plugins.registry import get_registry
from tests.support.system import shared_examples_dir

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def params_errors(channel: str, params: Any) -> list[str]:
    schema = dict(get_registry().channels[channel].params_schema)
    return [error.message for error in Draft202012Validator(schema).iter_errors(params)]


def example_send_params() -> list[tuple[str, str, Any]]:
    found = []
    for path in sorted(shared_examples_dir().glob("*.json")):
        document = json.loads(path.read_text())
        for node in document.get("nodes", []) if isinstance(document, dict) else []:
            if node.get("type") == "send":
                config = node["config"]
                found.append((f"{path.stem}/{node['id']}", config["channel"], config["params"]))
    return found


def test_every_example_send_node_has_valid_params() -> None:
    sends = example_send_params()
    assert len(sends) >= 10
    for where, channel, params in sends:
        assert params_errors(channel, params) == [], where


@pytest.mark.parametrize(
    ("channel", "params"),
    [
        ("push", {"title": "t"}),
        ("push", {"title": "t", "body": "b", "colour": "red"}),
        ("sms", {"template_params": {"a": "b"}}),
        ("sms", {"template_code": "SMS_1", "template_params": {"n": 3}}),
        ("email", {"subject": "only a subject"}),
        ("wechat", {"template_id": "TPL"}),
        ("wechat", {"template_id": "TPL", "data": {}, "miniprogram": {"pagepath": "p"}}),
    ],
)
def test_bad_params_are_refused(channel: str, params: Any) -> None:
    assert params_errors(channel, params) != []


def hookspec_names() -> set[str]:
    return {
        name
        for name in dir(hookspecs)
        if name.startswith("touchflow_") and hasattr(getattr(hookspecs, name), "touchflow_spec")
    }


def undocumented(hooks: set[str], docs: str) -> set[str]:
    documented = set(re.findall(r"^### (touchflow_\w+)\s*$", docs, flags=re.MULTILINE))
    return hooks - documented


def test_every_hook_has_a_docs_section() -> None:
    hooks = hookspec_names()
    assert {"touchflow_register_channels", "touchflow_register_providers"} <= hooks
    assert undocumented(hooks, DOCS.read_text()) == set()


def test_the_docs_check_catches_a_missing_section() -> None:
    docs_without_one = DOCS.read_text().replace("### touchflow_register_providers", "")
    assert undocumented(hookspec_names(), docs_without_one) == {"touchflow_register_providers"}
