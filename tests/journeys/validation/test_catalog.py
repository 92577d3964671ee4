"""The node-type catalog: one entry per schema type, self-contained config schemas, ports."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from journeys.catalog import (
    NODE_TYPE_NAMES,
    NODE_TYPES,
    config_schema,
    load_schema,
    node_type,
    ports_of,
)


def _refs(schema: Any) -> list[str]:
    text = json.dumps(schema)
    return [part for part in text.split('"') if part == "$ref"]


def test_catalog_lists_the_ten_types_of_the_schema() -> None:
    nodes_file = load_schema()["$defs"]["nodes.json"]["$defs"]

    assert len(NODE_TYPES) == 10
    assert set(NODE_TYPE_NAMES) <= set(nodes_file)


@pytest.mark.parametrize("kind", NODE_TYPES, ids=lambda kind: kind.name)
def test_entry_is_json_ready_with_a_self_contained_config_schema(kind: Any) -> None:
    entry = json.loads(json.dumps(kind.as_dict()))

    assert entry["name"] == kind.name
    assert entry["title"]
    assert entry["description"]
    assert _refs(entry["config_schema"]) == []
    Draft202012Validator.check_schema(entry["config_schema"])


def test_config_schema_comes_from_the_schema_files() -> None:
    send = config_schema("send")
    source = load_schema()["$defs"]["nodes.json"]["$defs"]["send"]

    assert send["required"] == source["required"]
    assert set(send["properties"]) == set(source["properties"])
    # Titles given next to a $ref win over the referenced definition's own.
    assert send["properties"]["send_window"]["title"] == "Send window"
    assert send["properties"]["send_window"]["properties"]["start"]["type"] == "string"


def test_config_schema_accepts_the_example_configs() -> None:
    validator = Draft202012Validator(config_schema("wait_event"))

    config = {"event": "message.opened", "where": {"node": "push1"}, "timeout": "PT2H"}

    assert list(validator.iter_errors(config)) == []
    assert list(validator.iter_errors({"event": "x"}))


def test_config_schema_rejects_unknown_types() -> None:
    with pytest.raises(KeyError):
        config_schema("delay")


def test_config_schema_returns_a_copy() -> None:
    config_schema("send")["title"] = "changed"

    assert config_schema("send")["title"] != "changed"


@pytest.mark.parametrize(
    ("node", "required", "optional"),
    [
        ({"type": "entry"}, ["next"], []),
        ({"type": "send", "config": {}}, ["next"], ["failed"]),
        ({"type": "webhook"}, ["next"], ["failed"]),
        ({"type": "wait"}, ["next"], []),
        ({"type": "wait_event"}, ["received", "timeout"], []),
        ({"type": "condition"}, ["yes", "no"], []),
        ({"type": "update_contact"}, ["next"], []),
        ({"type": "exit"}, [], []),
        (
            {"type": "switch", "config": {"cases": [{"key": "gold"}, {"key": "silver"}]}},
            ["gold", "silver", "default"],
            [],
        ),
        ({"type": "split", "config": {"variants": [{"key": "A"}, {"key": "B"}]}}, ["A", "B"], []),
        (
            {"type": "split", "config": {"variants": [{"key": "A"}], "holdout": 10}},
            ["A", "holdout"],
            [],
        ),
    ],
)
def test_ports_of(node: dict[str, Any], required: list[str], optional: list[str]) -> None:
    assert ports_of(node) == (required, optional)


@pytest.mark.parametrize(
    "node",
    [
        None,
        [],
        "send",
        {},
        {"type": "delay"},
        {"type": ["send"]},
        {"type": "switch", "config": "cases"},
        {"type": "switch", "config": {"cases": {"key": "a"}}},
        {"type": "switch", "config": {"cases": [None, 1, {"key": 5}, {"key": ""}, {"key": "a"}]}},
    ],
)
def test_ports_of_tolerates_malformed_nodes(node: Any) -> None:
    required, optional = ports_of(node)

    assert all(isinstance(port, str) and port for port in required + optional)


def test_ports_of_names_each_duplicate_key_once() -> None:
    node = {"type": "switch", "config": {"cases": [{"key": "a"}, {"key": "a"}, {"key": "default"}]}}

    assert ports_of(node) == (["a", "default"], [])


def test_node_type_lookup() -> None:
    assert node_type("split") is not None
    assert node_type("delay") is None
    assert node_type(["split"]) is None


def test_inlined_building_blocks_keep_their_name_for_forms() -> None:
    wait_event = config_schema("wait_event")["properties"]
    send_window = config_schema("send")["properties"]["send_window"]
    case = config_schema("switch")["properties"]["cases"]["items"]["properties"]

    # The title next to the $ref wins, so only the annotation still says "duration".
    assert wait_event["timeout"]["title"] == "Timeout"
    assert wait_event["timeout"]["x-touchflow-block"] == "duration"
    assert send_window["x-touchflow-block"] == "time_window"
    assert send_window["properties"]["start"]["x-touchflow-block"] == "time_of_day"
    assert case["rule"]["x-touchflow-block"] == "rule"
    assert "x-touchflow-block" not in wait_event["where"]
