"""Validating each node against its own type's branch finds exactly what the bundled schema
finds: the same errors (location, message, keyword) on every fixture and example, and on
broken variants of every node of them (config missing or of the wrong type, each field
removed, given a value of each wrong JSON type, or an unknown field beside it; the type
missing, not a string or unknown)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from journeys.catalog import document_schema
from journeys.validation.schema import _document_validator, located_errors
from tests.support.system import SHARED_EXAMPLES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "journeys"
DOCUMENTS = sorted([*FIXTURES.glob("*/*.json"), *SHARED_EXAMPLES.glob("*.json")])
WRONG_VALUES: list[Any] = [None, True, 7, 2.5, "text", "", [], [1], {}, {"x": 1}]


def bundled_validator() -> Draft202012Validator:
    """The reference: the whole bundled schema, `if`/`then` branches and `$ref`s as written."""
    schema = document_schema()
    registry: Registry[Any] = (
        Registry().with_resource(schema["$id"], DRAFT202012.create_resource(schema)).crawl()
    )
    return Draft202012Validator(schema, registry=registry)


BUNDLED = bundled_validator()


def found(validator: Any, document: Any) -> list[tuple[Any, ...]]:
    return [
        (location, message, error.validator)
        for location, message, error in located_errors(validator, document)
    ]


def _node_variants(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield {k: v for k, v in node.items() if k != "config"}
    yield {k: v for k, v in node.items() if k != "type"}
    for kind in (5, None, "bogus"):
        yield {**node, "type": kind}
    wrong_configs: list[Any] = [[], "text", None]
    for wrong in wrong_configs:
        yield {**node, "config": wrong}
    config = node.get("config")
    if not isinstance(config, dict):
        return
    yield {**node, "config": {**config, "unknown_field": 1}}
    for key in config:
        yield {**node, "config": {k: v for k, v in config.items() if k != key}}
        for value in WRONG_VALUES:
            yield {**node, "config": {**config, key: value}}


def variants(document: Any) -> Iterator[Any]:
    yield document
    nodes = document.get("nodes") if isinstance(document, dict) else None
    if not isinstance(nodes, list):
        return
    for index, node in enumerate(nodes):
        if not isinstance(node, dict):
            continue
        for variant in _node_variants(node):
            changed = copy.copy(document)
            changed["nodes"] = [*nodes[:index], variant, *nodes[index + 1 :]]
            yield changed
    yield {**document, "nodes": [*nodes, "not a node", 3]}
    yield {**document, "nodes": {}}


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_each_node_is_judged_as_the_bundled_schema_judges_it(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    checked = 0
    for variant in variants(document):
        assert found(_document_validator(), variant) == found(BUNDLED, variant)
        checked += 1
    assert checked > 1 or not isinstance(document.get("nodes"), list)


def test_the_documents_cover_every_node_type() -> None:
    types = {
        node.get("type")
        for path in DOCUMENTS
        for node in json.loads(path.read_text(encoding="utf-8")).get("nodes", [])
        if isinstance(node, dict)
    }
    assert set(_document_validator().config_of) <= types
