"""A stand-in workspace for validation tests: channels with params schemas, accounts, segments.

The real params schemas come from the channel plugins; these follow the contract's "Channel
params" table closely enough that the examples and the params fixtures mean something.
"""

from __future__ import annotations

from typing import Any

from journeys.validation import References

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _text(title: str) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "title": title, "description": title}


def _text_map(title: str) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": {"type": "string"}, "title": title}


PARAMS_SCHEMAS: dict[str, dict[str, Any]] = {
    "push": {
        "$schema": DIALECT,
        "type": "object",
        "required": ["title", "body"],
        "properties": {
            "title": _text("Title"),
            "body": _text("Body"),
            "data": _text_map("Data"),
            "image": _text("Image URL"),
            "click_action": _text("Click action"),
        },
        "additionalProperties": False,
    },
    "sms": {
        "$schema": DIALECT,
        "type": "object",
        "properties": {
            "body": _text("Text"),
            "template_code": _text("Template code"),
            "template_params": _text_map("Template parameters"),
        },
        "additionalProperties": False,
        "anyOf": [{"required": ["body"]}, {"required": ["template_code"]}],
    },
    "email": {
        "$schema": DIALECT,
        "type": "object",
        "required": ["subject"],
        "properties": {
            "subject": _text("Subject"),
            "body_text": _text("Text body"),
            "body_html": _text("HTML body"),
            "from_name": _text("From name"),
            "reply_to": _text("Reply-to address"),
        },
        "additionalProperties": False,
        "anyOf": [{"required": ["body_text"]}, {"required": ["body_html"]}],
    },
    "wechat": {
        "$schema": DIALECT,
        "type": "object",
        "required": ["template_id", "data"],
        "properties": {
            "template_id": _text("Template id"),
            "data": _text_map("Template data"),
            "url": _text("Link"),
            "miniprogram": {
                "type": "object",
                "required": ["appid"],
                "properties": {"appid": _text("App id"), "pagepath": _text("Page path")},
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    },
}

ACCOUNTS = {
    "push-main": "push",
    "sms-main": "sms",
    "sms-enterprise": "sms",
    "email-main": "email",
    "wechat-oa": "wechat",
}
SEGMENTS = frozenset({"silent_30d", "beauty_prospects", "vip"})


def demo_references() -> References:
    """The demo workspace the shared examples are written for."""
    return References(channels=PARAMS_SCHEMAS, accounts=ACCOUNTS, segments=SEGMENTS)
