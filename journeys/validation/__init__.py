"""Validation of journey documents (JOURNEY_FORMAT.md §1, "Validation errors").

`validate_document` returns every error at once, each with a stable code, the node it concerns
and a JSON pointer, so the canvas can mark all of them in one round trip. Shape comes from the
JSON Schema; graph and reference semantics are checked here in pure Python, with no Django, so
the API, the publisher and the simulator share one judgement. It never raises on a document.
"""

from __future__ import annotations

from typing import Any

from journeys.validation.errors import DocumentError
from journeys.validation.flow import flow_errors
from journeys.validation.graph import graph_errors
from journeys.validation.model import read_journey
from journeys.validation.nodes import node_shape_errors
from journeys.validation.references import References, reference_errors
from journeys.validation.rules import rule_errors
from journeys.validation.schema import depth_error, schema_errors, version_error
from journeys.validation.templates import template_errors
from journeys.validation.values import value_errors

__all__ = ["DocumentError", "References", "validate_document"]


def validate_document(document: Any, references: References) -> list[DocumentError]:
    """Every error in `document`; an empty list means it can be published.

    A document of another schema_version gets only `schema.version`: its fields may mean
    something else, so judging them would mislead.
    """
    gate = version_error(document) or depth_error(document)
    if gate is not None:
        return [gate]
    journey = read_journey(document)
    return [
        *schema_errors(document),
        *graph_errors(journey),
        *flow_errors(journey),
        *node_shape_errors(journey),
        *value_errors(journey),
        *rule_errors(journey),
        *reference_errors(journey, references),
        *template_errors(journey),
    ]
