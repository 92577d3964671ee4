"""Rendering a node's params for one contact, with templates compiled once per text."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import Environment, Template, TemplateError, nodes

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


_MISSING = object()
# Attribute lookups Jinja answers from the dict type itself (`x.items` is a method), not a key.
_DICT_ATTRIBUTES = frozenset(dir(dict))
_PLAIN = (str, int, float, bool, type(None))
# Names Jinja resolves to its globals (`range`, `lipsum`) when the context lacks them.
_GLOBALS = frozenset(template_environment().globals)


class _Lookups:
    """A text of literal parts and plain lookups through dicts (`Hi {{ contact.first_name }}`,
    most message texts), rendered without a Jinja render context, which costs more than the
    rest of a send step.

    The result is exactly Jinja's: a lookup missing anywhere renders empty (the environment's
    ChainableUndefined), a value renders as `str(value)` (autoescape is off). Any value this
    does not model (a lookup through something other than a dict, a value that is not a plain
    scalar) hands the whole text to the compiled template, which is kept for that.
    """

    __slots__ = ("parts", "template")

    def __init__(self, parts: list[str | tuple[str, ...]], template: Template) -> None:
        self.parts = parts
        self.template = template

    def render(self, context: Mapping[str, Any]) -> str:
        out: list[str] = []
        for part in self.parts:
            if type(part) is str:
                out.append(part)
                continue
            value: Any = context
            for name in part:
                if type(value) is not dict and value is not context:
                    return self.template.render(context)
                value = value.get(name, _MISSING)
                if value is _MISSING:
                    value = ""
                    break
            if not isinstance(value, _PLAIN):
                return self.template.render(context)
            out.append(value if type(value) is str else str(value))
        return "".join(out)


def _lookup_path(node: nodes.Node) -> tuple[str, ...] | None:
    """`a.b.c` as ("a", "b", "c"), or None for any other expression."""
    path: list[str] = []
    while isinstance(node, nodes.Getattr):
        if node.attr in _DICT_ATTRIBUTES:
            return None
        path.append(node.attr)
        node = node.node
    if not isinstance(node, nodes.Name) or node.name in _GLOBALS:
        return None
    path.append(node.name)
    return tuple(reversed(path))


def _plain_lookups(text: str, environment: Environment) -> list[str | tuple[str, ...]] | None:
    """The parts of a text that is only literal data and plain lookups, or None."""
    body = environment.parse(text).body
    if len(body) != 1 or not isinstance(body[0], nodes.Output):
        return None
    parts: list[str | tuple[str, ...]] = []
    for node in body[0].nodes:
        if isinstance(node, nodes.TemplateData):
            parts.append(node.data)
        elif (path := _lookup_path(node)) is not None:
            parts.append(path)
        else:
            return None
    return parts


@lru_cache(maxsize=4096)
def _compiled(text: str) -> Template | _Verbatim | _Lookups:
    environment = template_environment()
    if _verbatim(text, environment):
        return _Verbatim(text)
    template = environment.from_string(text)
    parts = _plain_lookups(text, environment)
    return template if parts is None else _Lookups(parts, template)


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
