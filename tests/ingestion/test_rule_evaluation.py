"""The compiled rule evaluator: every operator, type mismatches, facts, nested segments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from core.rules.evaluation import (
    ContactSnapshot,
    EventRequirement,
    RuleCycle,
    compile_rule,
)


@dataclass
class FakeFacts:
    counts: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)

    def event_count(self, contact_id: int, requirement: EventRequirement) -> int:
        return self.counts.get(requirement.name, 0)

    def message_status(self, contact_id: int, node: str, journey: int | None) -> str | None:
        return self.statuses.get(node)


CONTACT = ContactSnapshot(
    id=1,
    fields={"email": "li@example.com", "created_at": None, "first_name": "Li"},
    attributes={"age": 27, "city": "Shenzhen", "vip": True, "langs": ["zh", "en"], "n": None},
    tags=frozenset({"vip"}),
)


def matches(rule: Any, facts: FakeFacts | None = None) -> bool:
    return compile_rule(rule)(CONTACT, facts or FakeFacts())


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("eq", 27, True),
        ("eq", "27", False),
        ("ne", 28, True),
        ("gt", 26, True),
        ("gt", "26", False),
        ("gte", 27, True),
        ("lt", 27, False),
        ("lte", 27.0, True),
        ("in", [26, 27], True),
        ("not_in", [26, 27], False),
        ("between", [25, 30], True),
        ("between", [27, 27], True),
        ("between", [28, 30], False),
        ("exists", None, True),
    ],
)
def test_numeric_operators(op: str, value: Any, expected: bool) -> None:
    rule: dict[str, Any] = {"attr": "age", "op": op}
    if op != "exists":
        rule["value"] = value
    assert matches(rule) is expected


@pytest.mark.parametrize(
    ("attr", "op", "value", "expected"),
    [
        ("city", "contains", "zhen", True),
        ("city", "starts_with", "Shen", True),
        ("city", "starts_with", "zhen", False),
        ("langs", "contains", "en", True),
        ("langs", "contains", "fr", False),
        ("vip", "eq", True, True),
        ("vip", "eq", 1, False),
        ("age", "eq", True, False),
        ("city", "gt", 5, False),
        ("email", "contains", "@", True),
        ("first_name", "eq", "Li", True),
        ("missing", "ne", "x", True),
        ("missing", "not_in", ["x"], True),
        ("missing", "eq", "x", False),
        ("n", "exists", None, False),
        ("missing", "exists", None, False),
    ],
)
def test_other_operators_and_mismatches(attr: str, op: str, value: Any, expected: bool) -> None:
    rule: dict[str, Any] = {"attr": attr, "op": op}
    if op != "exists":
        rule["value"] = value
    assert matches(rule) is expected


def test_created_at_compares_as_datetimes() -> None:
    from datetime import UTC, datetime

    contact = ContactSnapshot(2, {"created_at": datetime(2026, 1, 5, tzinfo=UTC)}, {}, frozenset())
    rule = compile_rule({"attr": "created_at", "op": "gte", "value": "2026-01-01T00:00:00+00:00"})
    assert rule(contact, FakeFacts())


def test_groups_tags_events_and_messages() -> None:
    facts = FakeFacts(counts={"viewed": 3}, statuses={"push1": "clicked", "sms1": "failed"})
    assert matches({"all": [{"tag": "vip"}, {"not": {"tag": "churned"}}]})
    assert matches({"any": [{"tag": "nope"}, {"event": "viewed"}]}, facts)
    assert matches({"event": "viewed", "count": {"op": "gte", "value": 3}}, facts)
    assert not matches({"event": "viewed", "count": {"op": "gt", "value": 3}}, facts)
    assert not matches({"event": "never"}, facts)
    assert matches({"message": {"node": "push1", "status": "opened"}}, facts)
    assert not matches({"message": {"node": "sms1", "status": "sent"}}, facts)
    assert matches({"message": {"node": "sms1", "status": "failed"}}, facts)
    assert not matches({"message": {"node": "other", "status": "sent"}}, facts)


def test_requirements_are_deduplicated() -> None:
    rule = {
        "all": [
            {"event": "a", "within": "P7D"},
            {"not": {"event": "a", "within": "P7D"}},
            {"event": "a", "where": {"k": 1}},
        ]
    }
    assert len(compile_rule(rule).requirements) == 2


def test_nested_segments_and_cycles() -> None:
    rules = {"vips": {"tag": "vip"}, "loop": {"segment": "loop"}}
    assert compile_rule({"segment": "vips"}, segments=rules.get)(CONTACT, FakeFacts())
    assert not compile_rule({"segment": "gone"}, segments=rules.get)(CONTACT, FakeFacts())
    with pytest.raises(RuleCycle):
        compile_rule({"segment": "loop"}, segments=rules.get)
