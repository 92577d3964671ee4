"""The four built-in channels and their send-node params (JOURNEY_FORMAT.md, "Channel params").

Every string param is a Jinja2 template rendered for each contact; the schemas are closed so a
misspelt param is a validation error, not a silently empty message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any

from channels_plugins.base import Channel
from channels_plugins.hookspecs import hookimpl

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _text(title: str, description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "title": title, "description": description, **extra}


def _text_map(title: str, description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "title": title,
        "description": description,
        "additionalProperties": {"type": "string"},
    }


PUSH = Channel(
    name="push",
    title="Push notification",
    description="A notification to the contact's app through a push provider.",
    params_schema={
        "$schema": DRAFT,
        "type": "object",
        "additionalProperties": False,
        "required": ["title", "body"],
        "properties": {
            "title": _text("Title", "The notification title (a template).", minLength=1),
            "body": _text("Body", "The notification text (a template).", minLength=1),
            "data": _text_map("Data", "Key-value pairs delivered to the app with the message."),
            "image": _text("Image URL", "An image shown with the notification."),
            "click_action": _text(
                "Click action", "What opening the notification does: a deep link or URL."
            ),
        },
    },
)

SMS = Channel(
    name="sms",
    title="SMS",
    description="A text message to the contact's phone number.",
    # Marketing SMS only 08:00-21:00 local time: the strictest common rule (China's carriers
    # and Tencent Cloud code 1029 allow 08:00-22:00; several markets end at 21:00).
    legal_hours=(time(8), time(21)),
    params_schema={
        "$schema": DRAFT,
        "type": "object",
        "additionalProperties": False,
        "anyOf": [{"required": ["body"]}, {"required": ["template_code"]}],
        "properties": {
            "body": _text(
                "Body", "Free text, for providers that send it (a template).", minLength=1
            ),
            "template_code": _text(
                "Template code",
                "The provider's approved template, for providers that need one (e.g. SMS_1234).",
                minLength=1,
            ),
            "template_params": _text_map(
                "Template parameters", "Values for the approved template's variables (templates)."
            ),
        },
    },
)

EMAIL = Channel(
    name="email",
    title="Email",
    description="An email with a plain-text and/or HTML body.",
    params_schema={
        "$schema": DRAFT,
        "type": "object",
        "additionalProperties": False,
        "required": ["subject"],
        "anyOf": [{"required": ["body_text"]}, {"required": ["body_html"]}],
        "properties": {
            "subject": _text("Subject", "The subject line (a template).", minLength=1),
            "body_text": _text("Plain-text body", "The text part (a template)."),
            "body_html": _text("HTML body", "The HTML part (a template)."),
            "from_name": _text("From name", "The sender name shown to the contact."),
            "reply_to": _text("Reply-To", "The address replies go to (a template)."),
        },
    },
)

WECHAT = Channel(
    name="wechat",
    title="WeChat template message",
    description="A service-account template message to a follower, keyed by their openid. "
    "WeChat allows these for service notices only, not advertising.",
    params_schema={
        "$schema": DRAFT,
        "type": "object",
        "additionalProperties": False,
        "required": ["template_id", "data"],
        "properties": {
            "template_id": _text(
                "Template", "The template id approved for the account.", minLength=1
            ),
            "data": _text_map(
                "Data", 'Template key → text (a template); each is sent as {"value": …}.'
            ),
            "url": _text("Link", "A page opened when the message is tapped."),
            "miniprogram": {
                "type": "object",
                "title": "Mini program",
                "description": "A mini program page opened instead of the link.",
                "additionalProperties": False,
                "required": ["appid"],
                "properties": {
                    "appid": _text("App id", "The mini program's app id."),
                    "pagepath": _text("Page path", "The page to open, with its query."),
                },
            },
        },
    },
)

BUILTIN_CHANNELS = (SMS, PUSH, WECHAT, EMAIL)


@hookimpl
def touchflow_register_channels(register: Callable[[Channel], None]) -> None:
    for channel in BUILTIN_CHANNELS:
        register(channel)
