"""Rendering a node's params for one contact, with templates compiled once per text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, Template, TemplateError, TemplateSyntaxError, nodes

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
    """Every string leaf rendered; raises TemplateError when one fails.

    Documents hold plain `str` and `dict` (parsed JSON), tested by exact type first: the
    `Mapping` check is an ABC lookup that cost more than rendering a plain text.
    """
    kind = type(value)
    if kind is str:
        return _compiled(value).render(context)
    if kind is dict:
        return {key: render_leaves(item, context) for key, item in value.items()}
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
