"""Rendering a node's params for one contact, with templates compiled once per text."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import Template, TemplateError

from core.templating import template_environment
from journeys.nodes.base import Visit


@lru_cache(maxsize=4096)
def _compiled(text: str) -> Template:
    return template_environment().from_string(text)


def template_context(visit: Visit) -> dict[str, Any]:
    event = visit.event or {}
    return {
        "contact": visit.template_contact,
        "event": {"name": event.get("name", ""), "properties": event.get("properties", {})},
        "journey": {"id": visit.journey.id, "name": visit.journey.name},
    }


def render_leaves(value: Any, context: Mapping[str, Any]) -> Any:
    """Every string leaf rendered; raises TemplateError when one fails."""
    if isinstance(value, str):
        return _compiled(value).render(context)
    if isinstance(value, Mapping):
        return {key: render_leaves(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [render_leaves(item, context) for item in value]
    return value


def render_params(params: Any, visit: Visit) -> tuple[dict[str, Any], str]:
    """(rendered params, "") or ({}, the error) when a template fails while rendering."""
    try:
        rendered = render_leaves(params, template_context(visit))
    except TemplateError as exc:
        return {}, f"template failed to render: {exc}"
    except (ArithmeticError, TypeError, ValueError, LookupError) as exc:
        # A marketer's template can divide by zero or add text to a number: that rejects this
        # message (recorded with the reason), it must not fail the whole step.
        return {}, f"template failed to render: {type(exc).__name__}: {exc}"
    return dict(rendered), ""
