"""The built-in channels' params schemas (JOURNEY_FORMAT.md, "Channel params") accept what the
example journeys send and refuse what the contract forbids."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from channels_plugins.registry import get_registry
from tests.support.system import shared_examples_dir


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
    assert {channel for _, channel, _ in sends} == {"push", "sms", "email", "wechat"}
    for where, channel, params in sends:
        assert params_errors(channel, params) == [], where


@pytest.mark.parametrize(
    ("channel", "params"),
    [
        ("push", {"title": "t", "body": "b"}),
        (
            "push",
            {
                "title": "t",
                "body": "b",
                "data": {"deep": "link"},
                "image": "https://x.example/i.png",
                "click_action": "app://cart",
            },
        ),
        ("sms", {"body": "Hi {{ contact.first_name }}"}),
        ("sms", {"template_code": "SMS_1", "template_params": {"code": "{{ event.code }}"}}),
        ("email", {"subject": "s", "body_html": "<p>h</p>"}),
        ("email", {"subject": "s", "body_text": "t", "from_name": "Shop", "reply_to": "a@b.c"}),
        ("wechat", {"template_id": "TPL", "data": {"thing1": "x"}}),
        (
            "wechat",
            {
                "template_id": "TPL",
                "data": {},
                "url": "https://x.example",
                "miniprogram": {"appid": "wx1", "pagepath": "pages/index"},
            },
        ),
    ],
)
def test_good_params_are_accepted(channel: str, params: Any) -> None:
    assert params_errors(channel, params) == []


@pytest.mark.parametrize(
    ("channel", "params"),
    [
        ("push", {"title": "t"}),
        ("push", {"title": "", "body": "b"}),
        ("push", {"title": "t", "body": "b", "colour": "red"}),
        ("push", {"title": "t", "body": "b", "data": {"n": 1}}),
        ("sms", {}),
        ("sms", {"template_params": {"a": "b"}}),
        ("sms", {"template_code": "SMS_1", "template_params": {"n": 3}}),
        ("sms", {"body": "b", "sign": "Shop"}),
        ("email", {"subject": "only a subject"}),
        ("email", {"body_text": "no subject"}),
        ("email", {"subject": "s", "body_text": 5}),
        ("wechat", {"template_id": "TPL"}),
        ("wechat", {"data": {}}),
        ("wechat", {"template_id": "TPL", "data": {"k": {"value": "wrapped by us"}}}),
        ("wechat", {"template_id": "TPL", "data": {}, "miniprogram": {"pagepath": "p"}}),
        ("wechat", {"template_id": "TPL", "data": {}, "miniprogram": {"appid": "a", "x": 1}}),
    ],
)
def test_bad_params_are_refused(channel: str, params: Any) -> None:
    assert params_errors(channel, params) != []
