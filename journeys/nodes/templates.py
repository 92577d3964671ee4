"""Rendering a node's params for one contact, with templates compiled once per text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, Template, TemplateError, TemplateSyntaxError

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
    return data_context(visit.template_contact, visit.event, visit.journey.id, visit.journey.name)


def data_context(
    contact: Mapping[str, Any], event: Mapping[str, Any] | None, journey_id: int, journey_name: str
) -> dict[str, Any]:
    """The plain data templates see (JOURNEY_FORMAT.md, "Templates"), for a visit or a preview."""
    event = event or {}
    return {
        "contact": contact,
        "event": {"name": event.get("name", ""), "properties": event.get("properties", {})},
        "journey": {"id": journey_id, "name": journey_name},
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


# What a marketer's template can raise while rendering besides TemplateError: dividing by zero
# or adding text to a number rejects that message (recorded with the reason); it must not fail
# the whole step.
RENDER_ERRORS = (TemplateError, ArithmeticError, TypeError, ValueError, LookupError)


def failure_text(exc: Exception) -> str:
    """The reason a message records when one of its templates failed to render."""
    if isinstance(exc, TemplateError):
        return f"template failed to render: {exc}"
    return f"template failed to render: {type(exc).__name__}: {exc}"


def render_params(params: Any, visit: Visit) -> tuple[dict[str, Any], str]:
    """(rendered params, "") or ({}, the error) when a template fails while rendering."""
    try:
        rendered = render_leaves(params, template_context(visit))
    except RENDER_ERRORS as exc:
        return {}, failure_text(exc)
    return dict(rendered), ""


@dataclass(frozen=True)
class LeafFailure:
    """One string leaf that failed: where it sits (pointer tokens under the params) and why."""

    location: tuple[str | int, ...]
    message: str
    syntax: bool  # it does not even compile (a draft is not validated before a preview)


def render_located(
    value: Any, context: Mapping[str, Any], location: tuple[str | int, ...] = ()
) -> tuple[Any, list[LeafFailure]]:
    """Like `render_leaves`, leaf by leaf, so every failing leaf is reported with its location.

    A failing leaf renders as None and the others still render: a preview shows what it can.
    """
    if isinstance(value, str):
        try:
            return render_leaves(value, context), []
        except RENDER_ERRORS as exc:
            syntax = isinstance(exc, TemplateSyntaxError)
            return None, [LeafFailure(location, failure_text(exc), syntax)]
    if isinstance(value, Mapping):
        rendered: dict[str, Any] = {}
        failures: list[LeafFailure] = []
        for key, item in value.items():
            rendered[key], found = render_located(item, context, (*location, key))
            failures.extend(found)
        return rendered, failures
    if isinstance(value, list):
        items, failures = [], []
        for index, item in enumerate(value):
            leaf, found = render_located(item, context, (*location, index))
            items.append(leaf)
            failures.extend(found)
        return items, failures
    return value, []
