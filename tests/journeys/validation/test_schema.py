"""The JSON Schema files: valid 2020-12, versioned, documented and closed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from journeys.catalog import NODE_TYPE_NAMES, SCHEMA_DIR, config_schema, load_schema

SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.json"))
# Objects left open on purpose: their contents are judged elsewhere or never read.
OPEN_OBJECTS = {
    "Params",  # the channel's params_schema judges them (params.invalid)
    "Rule",  # core.rules.validation judges it (rule.invalid)
    "Set attributes",  # attribute names are the workspace's own
    "Viewport",  # canvas-only state
    "Trigger",  # closed per kind by its if/then branches
    "Configuration",  # closed per node type by its if/then branches
}


def _subschemas(schema: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object inside `schema`, with where it sits."""
    if isinstance(schema, dict):
        yield path, schema
        for key, value in schema.items():
            if key in ("properties", "$defs", "patternProperties"):
                for name, child in value.items():
                    yield from _subschemas(child, f"{path}/{key}/{name}")
            elif key in ("enum", "const", "required", "examples", "default"):
                continue
            else:
                yield from _subschemas(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for index, child in enumerate(schema):
            yield from _subschemas(child, f"{path}/{index}")


def _properties(schema: Any) -> Iterator[tuple[str, Any]]:
    for path, subschema in _subschemas(schema):
        for name, child in subschema.get("properties", {}).items():
            yield f"{path}/properties/{name}", child


def _documented(schema: Any) -> bool:
    return all(
        isinstance(schema, dict) and isinstance(schema.get(key), str) and schema[key].strip()
        for key in ("title", "description")
    )


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda path: path.name)
def test_schema_file_is_valid_2020_12_with_a_versioned_id(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))

    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://touchflow.dev/schemas/v1/{path.name}"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda path: path.name)
def test_every_property_has_a_title_and_description(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))

    undocumented = [where for where, child in _properties(schema) if not _documented(child)]

    assert list(_properties(schema)), "the walk found no properties at all"
    assert undocumented == []


def test_bundled_schema_and_node_configs_are_documented_too() -> None:
    schemas = [load_schema(), *(config_schema(name) for name in NODE_TYPE_NAMES)]

    undocumented = [
        where
        for schema in schemas
        for where, child in _properties(schema)
        if not _documented(child)
    ]

    assert undocumented == []


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda path: path.name)
def test_objects_are_closed_unless_open_on_purpose(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))

    open_objects = {
        subschema.get("title", where)
        for where, subschema in _subschemas(schema)
        if subschema.get("type") == "object"
        and "additionalProperties" not in subschema
        and "unevaluatedProperties" not in subschema
    }

    assert open_objects <= OPEN_OBJECTS


def test_bundled_schema_is_self_contained_and_carries_the_version() -> None:
    schema = load_schema()

    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "https://touchflow.dev/schemas/v1/journey.json"
    assert schema["properties"]["schema_version"]["const"] == 1
    # Resolving every $ref must not need the network: validate something that touches them all.
    errors = list(Draft202012Validator(schema).iter_errors({"schema_version": 1, "nodes": [{}]}))
    assert errors


def test_load_schema_returns_a_copy() -> None:
    load_schema()["title"] = "changed"

    assert load_schema()["title"] != "changed"


def test_node_type_enum_is_the_catalog() -> None:
    node = load_schema()["$defs"]["node"]

    assert tuple(node["properties"]["type"]["enum"]) == NODE_TYPE_NAMES
    branches = [branch["if"]["properties"]["type"]["const"] for branch in node["allOf"]]
    assert tuple(branches) == NODE_TYPE_NAMES
