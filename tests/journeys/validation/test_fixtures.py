"""Every fixture in tests/fixtures/journeys: valid ones pass, invalid ones fail as pinned."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from journeys.validation import validate_document
from journeys.validation.errors import CODES
from tests.journeys.validation.workspace import demo_references

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "journeys"
VALID = sorted((FIXTURES / "valid").glob("*.json"))
INVALID = sorted((FIXTURES / "invalid").glob("*.json"))

# The cases examples/README.md requires, each by the fixture that pins it.
REQUIRED_CASES = {
    "missing_entry": "entry.missing",
    "two_entries": "entry.multiple",
    "dangling_edge": "edge.dangling",
    "unreachable_node": "node.unreachable",
    "unconnected_condition_port": "port.unconnected",
    "cycle_without_wait": "graph.cycle_without_wait",
    "unknown_channel": "channel.unknown",
    "unknown_account": "account.unknown",
    "unknown_segment": "segment.unknown",
    "account_of_another_channel": "account.channel_mismatch",
    "params_break_channel_schema": "params.invalid",
    "template_syntax": "template.syntax",
    "malformed_duration": "duration.invalid",
    "unknown_rule_operator": "rule.invalid",
    "duplicate_node_id": "node.duplicate_id",
    "unknown_node_type": "node.unknown_type",
    "unsupported_schema_version": "schema.version",
}


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _located(errors: list[dict[str, Any]]) -> list[tuple[str, bool, str, str]]:
    return sorted(
        (error["code"], error["node_id"] is None, error["node_id"] or "", error["path"])
        for error in errors
    )


@pytest.mark.parametrize("path", VALID, ids=lambda path: path.stem)
def test_valid_fixture_has_no_errors(path: Path) -> None:
    assert validate_document(_load(path), demo_references()) == []


@pytest.mark.parametrize("path", INVALID, ids=lambda path: path.stem)
def test_invalid_fixture_yields_exactly_its_errors(path: Path) -> None:
    fixture = _load(path)

    errors = validate_document(fixture["document"], demo_references())

    assert fixture["errors"], "an invalid fixture must expect at least one error"
    assert _located([error.as_dict() for error in errors]) == _located(fixture["errors"])
    assert all(error.message for error in errors)


@pytest.mark.parametrize(("name", "code"), sorted(REQUIRED_CASES.items()))
def test_required_case_is_pinned(name: str, code: str) -> None:
    fixture = _load(FIXTURES / "invalid" / f"{name}.json")

    assert code in {error["code"] for error in fixture["errors"]}


def test_fixtures_exercise_every_code() -> None:
    pinned = {error["code"] for path in INVALID for error in _load(path)["errors"]}

    assert pinned == CODES
