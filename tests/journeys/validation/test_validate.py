"""validate_document's contract: the version gate, error shape, ordering and references."""

from __future__ import annotations

from typing import Any

import pytest

from journeys.validation import DocumentError, References, validate_document
from journeys.validation.schema import MAX_DEPTH
from tests.journeys.builders import JourneyBuilder, minimal_journey
from tests.journeys.validation.workspace import demo_references


def located(errors: list[DocumentError]) -> list[tuple[str, str | None, str]]:
    return [(error.code, error.node_id, error.path) for error in errors]


def push(account: str = "push-main", **params: Any) -> dict[str, Any]:
    return {
        "channel": "push",
        "account": account,
        "params": params or {"title": "Hi", "body": "Hello"},
    }


def test_minimal_journey_is_valid() -> None:
    assert validate_document(minimal_journey(), demo_references()) == []


def test_as_dict_is_the_wire_shape() -> None:
    error = DocumentError("edge.dangling", "The edge enters 'x'.", "push1", "/edges/0/to")

    assert error.as_dict() == {
        "code": "edge.dangling",
        "message": "The edge enters 'x'.",
        "node_id": "push1",
        "path": "/edges/0/to",
    }


@pytest.mark.parametrize(
    ("document", "path"),
    [
        (None, ""),
        ("{}", ""),
        ([], ""),
        ({}, "/schema_version"),
        ({"schema_version": 2, "nodes": "broken"}, "/schema_version"),
        ({"schema_version": "1"}, "/schema_version"),
        ({"schema_version": 1.0}, "/schema_version"),
        ({"schema_version": True}, "/schema_version"),
    ],
)
def test_version_gate_stops_everything_else(document: Any, path: str) -> None:
    assert located(validate_document(document, demo_references())) == [
        ("schema.version", None, path)
    ]


def test_too_deep_documents_get_one_error_instead_of_a_crash() -> None:
    document = minimal_journey()
    body: dict[str, Any] = {}
    document["settings"] = {"deep": body}
    for _ in range(MAX_DEPTH + 5):
        body["x"] = {}
        body = body["x"]

    [error] = validate_document(document, demo_references())

    assert error.code == "schema.invalid"
    assert error.path.startswith("/settings/deep/x/x/")


def test_schema_errors_come_first_then_graph_then_references() -> None:
    document = (
        JourneyBuilder()
        .entry()
        .node("push1", "send", push(account="nope"))
        .node("done", "exit")
        .chain("start", "push1")
        .build()
    )
    document["nodes"][1]["colour"] = "red"

    assert located(validate_document(document, demo_references())) == [
        ("schema.invalid", "push1", "/nodes/1/colour"),
        ("port.unconnected", "push1", "/nodes/1"),
        ("node.unreachable", "done", "/nodes/2"),
        ("account.unknown", "push1", "/nodes/1/config/account"),
    ]


def test_nodes_of_unknown_type_are_not_judged_further() -> None:
    document = (
        JourneyBuilder()
        .entry()
        .node("later", "delay", {"anything": [1, 2]})
        .exit()
        .chain("start", "later")
        .edge("later", "done", port="whenever")
        .build()
    )

    assert located(validate_document(document, demo_references())) == [
        ("node.unknown_type", "later", "/nodes/1/type")
    ]


def test_a_loop_through_switch_default_without_wait_is_a_cycle() -> None:
    document = (
        JourneyBuilder()
        .entry()
        .node("push1", "send", push())
        .node("tier", "switch", {"cases": [{"key": "gold", "rule": {"tag": "gold"}}]})
        .exit()
        .chain("start", "push1", "tier")
        .edge("tier", "done", port="gold")
        .edge("tier", "push1", port="default")
        .build()
    )

    assert located(validate_document(document, demo_references())) == [
        ("graph.cycle_without_wait", None, "/edges/1")
    ]


def test_pointers_escape_keys() -> None:
    document = (
        JourneyBuilder()
        .entry()
        .node("push1", "send", push(title="Hi", body="Yo", data={"a/b~c": "{{ oops"}))
        .exit()
        .chain("start", "push1", "done")
        .build()
    )

    assert located(validate_document(document, demo_references())) == [
        ("template.syntax", "push1", "/nodes/1/config/params/data/a~1b~0c")
    ]


def test_an_empty_workspace_reports_every_reference() -> None:
    document = (
        JourneyBuilder()
        .entry(trigger={"kind": "segment", "segment": "vip"})
        .node("push1", "send", push())
        .exit()
        .chain("start", "push1", "done")
        .build()
    )
    empty = References(channels={}, accounts={}, segments=frozenset())

    assert located(validate_document(document, empty)) == [
        ("segment.unknown", "start", "/nodes/0/config/trigger/segment"),
        ("channel.unknown", "push1", "/nodes/1/config/channel"),
        ("account.unknown", "push1", "/nodes/1/config/account"),
    ]


def test_params_are_checked_with_the_channels_own_dialect() -> None:
    draft7 = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": ["title"],
        "properties": {"title": {"type": "string", "maxLength": 5}},
    }
    references = References(
        channels={"push": draft7}, accounts={"push-main": "push"}, segments=frozenset()
    )
    document = (
        JourneyBuilder()
        .entry()
        .node("push1", "send", push(title="Far too long"))
        .exit()
        .chain("start", "push1", "done")
        .build()
    )

    assert located(validate_document(document, references)) == [
        ("params.invalid", "push1", "/nodes/1/config/params/title")
    ]


def test_message_leaves_may_name_any_send_node_of_the_document() -> None:
    rule = {"any": [{"message": {"node": "push1", "status": "clicked"}}, {"tag": "x"}]}
    document = (
        JourneyBuilder()
        .entry()
        .node("push1", "send", push())
        .node("clicked", "condition", {"rule": rule})
        .exit()
        .chain("start", "push1", "clicked")
        .edge("clicked", "done", port="yes")
        .edge("clicked", "done", port="no")
        .build()
    )

    assert validate_document(document, demo_references()) == []
