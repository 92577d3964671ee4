"""Template syntax in message params and webhook calls.

A template that does not parse would fail every message it renders; catching it at publish
time is the difference between a red node on the canvas and a silent outage.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.jsonpointer import pointer
from core.templating import template_syntax_error
from journeys.validation.errors import DocumentError
from journeys.validation.model import Journey, Node, obj


def template_errors(journey: Journey) -> list[DocumentError]:
    errors: list[DocumentError] = []
    for node in journey.nodes:
        if node.type == "send" and "params" in node.config:
            errors.extend(_leaves(node, node.config["params"], node.at("params")))
        elif node.type == "webhook":
            for field in ("url", "body"):
                if field in node.config:
                    errors.extend(_leaves(node, node.config[field], node.at(field)))
            for name, value in obj(node.config.get("headers")).items():
                errors.extend(_leaves(node, value, node.at("headers", name)))
    return errors


def _leaves(node: Node, value: Any, path: str) -> Iterator[DocumentError]:
    """Every string leaf under `value`; depth is bounded by the schema stage's depth guard."""
    if isinstance(value, str):
        problem = template_syntax_error(value)
        if problem is not None:
            yield DocumentError("template.syntax", f"Template error: {problem}", node.id, path)
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _leaves(node, child, pointer(path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _leaves(node, child, pointer(path, index))
