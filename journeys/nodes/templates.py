"""Rendering a node's params for one contact, with templates compiled once per text."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import Environment, Template, TemplateError

from core.templating import template_environment
from journeys.nodes.base import Visit


class _Verbatim:
    """A text Jinja would render unchanged: no tag, variable or comment opens in it, and no
    line break (Jinja normalises those, and drops a trailing one). Rendering it through Jinja
    would set up a render context that costs more than the rest of the step."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def render(self, context: Mapping[str, Any]) -> str:
        return self.text


def _verbatim(text: str, environment: Environment) -> bool:
    if environment.line_statement_prefix or environment.line_comment_prefix:
        return False
    openers = (
        environment.block_start_string,
        environment.variable_start_string,
        environment.comment_start_string,
        "\n",
        "\r",
    )
    return not any(opener in text for opener in openers)


@lru_cache(maxsize=4096)
def _compiled(text: str) -> Template | _Verbatim:
    environment = template_environment()
    return _Verbatim(text) if _verbatim(text, environment) else environment.from_string(text)


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
