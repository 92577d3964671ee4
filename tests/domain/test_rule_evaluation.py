"""Compiled rules, evaluated on plain snapshots and facts: no database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.rules.evaluation import (
    ContactSnapshot,
    EventRequirement,
    RuleCycle,
    compile_rule,
)
from core.rules.validation import ATTRIBUTE_OPERATORS, rule_problems

CREATED = datetime(2026, 3, 15, 8, 0, tzinfo=UTC)


@dataclass
class FakeFacts:
    counts: dict[EventRequirement, int] = field(default_factory=dict)
    statuses: dict[tuple[str, int | None], str] = field(default_factory=dict)
    asked: list[tuple[int, str, int | None]] = field(default_factory=list)

    def event_count(self, contact_id: int, requirement: EventRequirement) -> int:
        return self.counts.get(requirement, 0)

    def message_status(self, contact_id: int, node: str, journey: int | None) -> str | None:
        self.asked.append((contact_id, node, journey))
        return self.statuses.get((node, journey))


def snapshot(
    attributes: Mapping[str, Any] | None = None,
    tags: tuple[str, ...] = (),
    **fields: Any,
) -> ContactSnapshot:
    builtin = {
        "email": "",
        "phone": "",
        "timezone": "",
        "locale": "",
        "first_name": "",
        "last_name": "",
        "created_at": CREATED,
        **fields,
    }
    return ContactSnapshot(id=7, fields=builtin, attributes=attributes or {}, tags=frozenset(tags))


def holds(
    rule: Any,
    contact: ContactSnapshot | None = None,
    facts: FakeFacts | None = None,
    segments: Mapping[str, Any] | None = None,
) -> bool:
    assert rule_problems(rule, allow_journey=True) == [], rule
    compiled = compile_rule(rule, segments=segments.get if segments is not None else None)
    return compiled(contact or snapshot(), facts or FakeFacts())


MISSING = object()

# (op, rule value, attribute value, expected)
OPERATOR_CASES: list[tuple[str, Any, Any, bool]] = [
    # eq
    ("eq", 5, 5, True),
    ("eq", 5, 5.0, True),
    ("eq", 5, 6, False),
    ("eq", "gold", "gold", True),
    ("eq", "gold", "Gold", False),
    ("eq", 5, "5", False),
    ("eq", "5", 5, False),
    ("eq", 1, True, False),
    ("eq", True, 1, False),
    ("eq", True, True, True),
    ("eq", False, 0, False),
    ("eq", 5, MISSING, False),
    # ne: the complement of eq, so a missing or mismatched value is "not equal"
    ("ne", 5, 6, True),
    ("ne", 5, 5, False),
    ("ne", 5, "5", True),
    ("ne", 1, True, True),
    ("ne", 5, MISSING, True),
    # gt gte lt lte
    ("gt", 10, 11, True),
    ("gt", 10, 10, False),
    ("gt", 10, 9.5, False),
    ("gt", 10, "11", False),
    ("gt", "10", 11, False),
    ("gt", 0, True, False),
    ("gt", "a", "b", True),
    ("gt", 10, MISSING, False),
    ("gt", 10, None, False),
    ("gt", 10, [11], False),
    ("gte", 10, 10, True),
    ("gte", 10, 9, False),
    ("gte", 10, "10", False),
    ("gte", 1, True, False),
    ("gte", 10, MISSING, False),
    ("lt", 10, 9, True),
    ("lt", 10, 10, False),
    ("lt", 10, "9", False),
    ("lt", 10, False, False),
    ("lt", 10, MISSING, False),
    ("lte", 10, 10, True),
    ("lte", 10, 10.5, False),
    ("lte", 10, "1", False),
    ("lte", 10, MISSING, False),
    # in / not_in
    ("in", [1, 5], 5, True),
    ("in", [1, 5], 2, False),
    ("in", ["5"], 5, False),
    ("in", [1], True, False),
    ("in", ["a", "b"], "b", True),
    ("in", [1, 5], MISSING, False),
    ("not_in", [1, 5], 2, True),
    ("not_in", [1, 5], 5, False),
    ("not_in", ["5"], 5, True),
    ("not_in", [1, 5], MISSING, True),
    # contains: substring of text, member of a list
    ("contains", "world", "hello world", True),
    ("contains", "mars", "hello world", False),
    ("contains", "a", ["a", "b"], True),
    ("contains", "c", ["a", "b"], False),
    ("contains", "1", [1, 2], False),
    ("contains", 1, [True], False),
    ("contains", 5, "a5b", False),
    ("contains", 1, 123, False),
    ("contains", "k", {"k": 1}, False),
    ("contains", "a", MISSING, False),
    # starts_with
    ("starts_with", "+86", "+8613800000000", True),
    ("starts_with", "+86", "+14155550100", False),
    ("starts_with", "86", 8613800000000, False),
    ("starts_with", "a", ["abc"], False),
    ("starts_with", "a", MISSING, False),
    # exists: present and not empty
    ("exists", None, "x", True),
    ("exists", None, 0, True),
    ("exists", None, False, True),
    ("exists", None, [], True),
    ("exists", None, None, False),
    ("exists", None, "", False),
    ("exists", None, MISSING, False),
    # between: inclusive
    ("between", [25, 30], 25, True),
    ("between", [25, 30], 30, True),
    ("between", [25, 30], 27.5, True),
    ("between", [25, 30], 24, False),
    ("between", [25, 30], 31, False),
    ("between", [25, 30], "27", False),
    ("between", [0, 1], True, False),
    ("between", ["a", "m"], "f", True),
    ("between", [1, "z"], 5, False),
    ("between", [25, 30], MISSING, False),
]


@pytest.mark.parametrize(("op", "value", "actual", "expected"), OPERATOR_CASES)
def test_attribute_operators(op: str, value: Any, actual: Any, expected: bool) -> None:
    attributes = {} if actual is MISSING else {"x": actual}
    rule: dict[str, Any] = {"attr": "x", "op": op}
    if op != "exists":
        rule["value"] = value
    assert holds(rule, snapshot(attributes)) is expected


def test_every_operator_is_covered() -> None:
    assert {case[0] for case in OPERATOR_CASES} == ATTRIBUTE_OPERATORS


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, database=None)
@given(op=st.sampled_from(sorted(ATTRIBUTE_OPERATORS)), value=JSON_VALUES, actual=JSON_VALUES)
def test_evaluation_never_raises_on_data(op: str, value: Any, actual: Any) -> None:
    rule: dict[str, Any] = {"attr": "x", "op": op}
    if op != "exists":
        rule["value"] = value
    if rule_problems(rule):
        return  # only valid rules are compiled
    result = compile_rule(rule)(snapshot({"x": actual}), FakeFacts())
    assert isinstance(result, bool)


# --- built-in fields ------------------------------------------------------------------------


def test_built_in_fields_are_read_by_name_not_from_attributes() -> None:
    contact = snapshot({"email": "attr@example.com", "plan": "gold"}, email="ann@example.com")
    assert holds({"attr": "email", "op": "eq", "value": "ann@example.com"}, contact)
    assert not holds({"attr": "email", "op": "eq", "value": "attr@example.com"}, contact)
    assert holds({"attr": "email", "op": "contains", "value": "@example"}, contact)
    assert holds({"attr": "plan", "op": "eq", "value": "gold"}, contact)


def test_an_empty_built_in_field_does_not_exist() -> None:
    assert not holds({"attr": "phone", "op": "exists"}, snapshot(phone=""))
    assert holds({"attr": "phone", "op": "exists"}, snapshot(phone="+8613800000000"))
    assert holds({"attr": "locale", "op": "ne", "value": "zh-CN"}, snapshot(locale=""))


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("gte", "2026-03-01T00:00:00+00:00", True),
        ("gte", "2026-03-01T00:00:00Z", True),
        ("gt", "2026-03-15T08:00:00+00:00", False),
        ("gte", "2026-03-15T16:00:00+08:00", True),
        ("lt", "2026-03-01T00:00:00Z", False),
        ("lte", "2026-04-01T00:00:00Z", True),
        ("eq", "2026-03-15T08:00:00Z", True),
        ("between", ["2026-03-01T00:00:00Z", "2026-03-31T23:59:59Z"], True),
        ("between", ["2026-04-01T00:00:00Z", "2026-04-30T00:00:00Z"], False),
        ("gte", "not a date", False),
        ("gte", 20260301, False),
        ("exists", None, True),
    ],
)
def test_created_at_compares_with_iso_strings(op: str, value: Any, expected: bool) -> None:
    rule: dict[str, Any] = {"attr": "created_at", "op": op}
    if op != "exists":
        rule["value"] = value
    assert holds(rule) is expected


@pytest.mark.parametrize("value", ["2026-03-01", "2026-03-01T00:00:00"])
def test_created_at_compares_with_dates_without_offset(value: str) -> None:
    assert holds({"attr": "created_at", "op": "gte", "value": value})


# --- tags -----------------------------------------------------------------------------------


def test_tags() -> None:
    vip = snapshot(tags=("vip", "beta"))
    assert holds({"tag": "vip"}, vip)
    assert not holds({"tag": "VIP"}, vip)
    assert not holds({"tag": "vip"}, snapshot())
    assert not holds({"tag": "vip"}, snapshot({"vip": True}))
    assert holds({"not": {"tag": "churned"}}, vip)


# --- groups ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"all": [{"tag": "a"}, {"tag": "b"}]}, True),
        ({"all": [{"tag": "a"}, {"tag": "z"}]}, False),
        ({"any": [{"tag": "z"}, {"tag": "b"}]}, True),
        ({"any": [{"tag": "y"}, {"tag": "z"}]}, False),
        ({"not": {"tag": "a"}}, False),
        ({"not": {"not": {"tag": "a"}}}, True),
        ({"all": [{"any": [{"tag": "z"}, {"tag": "a"}]}, {"not": {"tag": "z"}}]}, True),
    ],
)
def test_groups(rule: Any, expected: bool) -> None:
    assert holds(rule, snapshot(tags=("a", "b"))) is expected


# --- event leaves ---------------------------------------------------------------------------

VIEWED = EventRequirement("product_viewed")
COSMETICS_7D = EventRequirement("product_viewed", (("category", "cosmetics"),), timedelta(days=7))


@pytest.mark.parametrize(("count", "expected"), [(0, False), (1, True), (5, True)])
def test_event_count_defaults_to_at_least_one(count: int, expected: bool) -> None:
    facts = FakeFacts(counts={VIEWED: count})
    assert holds({"event": "product_viewed"}, facts=facts) is expected


@pytest.mark.parametrize(
    ("op", "target", "expected"),
    [
        ("eq", 3, True),
        ("eq", 2, False),
        ("ne", 2, True),
        ("ne", 3, False),
        ("gt", 2, True),
        ("gt", 3, False),
        ("gte", 3, True),
        ("gte", 4, False),
        ("lt", 4, True),
        ("lt", 3, False),
        ("lte", 3, True),
        ("lte", 2, False),
    ],
)
def test_event_count_operators(op: str, target: int, expected: bool) -> None:
    rule = {
        "event": "product_viewed",
        "where": {"category": "cosmetics"},
        "count": {"op": op, "value": target},
        "within": "P7D",
    }
    assert holds(rule, facts=FakeFacts(counts={COSMETICS_7D: 3})) is expected


def test_event_leaf_asks_for_its_own_requirement() -> None:
    rule = {"event": "product_viewed", "where": {"category": "cosmetics"}, "within": "P7D"}
    assert compile_rule(rule).requirements == {COSMETICS_7D}
    # Counts of another requirement do not count.
    assert not holds(rule, facts=FakeFacts(counts={VIEWED: 10}))
    assert holds(rule, facts=FakeFacts(counts={COSMETICS_7D: 1}))


def test_never_did_it() -> None:
    rule = {"event": "order_paid", "count": {"op": "eq", "value": 0}}
    assert holds(rule)
    assert not holds(rule, facts=FakeFacts(counts={EventRequirement("order_paid"): 1}))


@pytest.mark.parametrize(
    ("within", "window"),
    [
        ("P7D", timedelta(days=7)),
        ("P1W", timedelta(days=7)),
        ("PT36H", timedelta(hours=36)),
        ("P1DT12H", timedelta(hours=36)),
        ("P1M", timedelta(days=30)),
    ],
)
def test_within_becomes_the_requirement_window(within: str, window: timedelta) -> None:
    [requirement] = compile_rule({"event": "e", "within": within}).requirements
    assert requirement.within == window


# --- message leaves -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "actual", "expected"),
    [
        ("sent", "sent", True),
        ("sent", "delivered", True),
        ("sent", "clicked", True),
        ("delivered", "sent", False),
        ("delivered", "opened", True),
        ("opened", "delivered", False),
        ("opened", "opened", True),
        ("opened", "clicked", True),
        ("clicked", "opened", False),
        ("clicked", "clicked", True),
        ("opened", "failed", False),
        ("sent", "failed", False),
        ("sent", "skipped", False),
        ("failed", "failed", True),
        ("failed", "sent", False),
        ("failed", "clicked", False),
        ("failed", "bounced", False),
        ("bounced", "bounced", True),
        ("skipped", "skipped", True),
        ("skipped", "failed", False),
        ("sent", None, False),
        ("failed", None, False),
    ],
)
def test_message_status_ladder(wanted: str, actual: str | None, expected: bool) -> None:
    facts = FakeFacts(statuses={} if actual is None else {("push1", None): actual})
    assert holds({"message": {"node": "push1", "status": wanted}}, facts=facts) is expected


def test_message_leaf_asks_about_its_node_and_journey() -> None:
    facts = FakeFacts(statuses={("push1", 42): "opened"})
    assert holds({"message": {"node": "push1", "status": "opened", "journey": 42}}, facts=facts)
    assert not holds({"message": {"node": "push1", "status": "opened"}}, facts=facts)
    assert not holds({"message": {"node": "sms1", "status": "sent", "journey": 42}}, facts=facts)
    assert facts.asked == [(7, "push1", 42), (7, "push1", None), (7, "sms1", 42)]


# --- nested segments ------------------------------------------------------------------------


def test_nested_segments_are_resolved() -> None:
    segments = {
        "vip": {"tag": "vip"},
        "big": {"attr": "spend", "op": "gte", "value": 100},
        "vip_and_big": {"all": [{"segment": "vip"}, {"segment": "big"}]},
    }
    both = snapshot({"spend": 150}, tags=("vip",))
    only_vip = snapshot({"spend": 50}, tags=("vip",))
    assert holds({"segment": "vip_and_big"}, both, segments=segments)
    assert not holds({"segment": "vip_and_big"}, only_vip, segments=segments)
    assert holds({"not": {"segment": "big"}}, only_vip, segments=segments)


def test_an_unknown_segment_matches_no_one() -> None:
    assert not holds({"segment": "gone"}, snapshot(tags=("vip",)), segments={})
    assert not holds({"segment": "gone"}, snapshot(tags=("vip",)))
    assert holds({"not": {"segment": "gone"}}, segments={})


def test_a_self_referring_segment_is_a_cycle() -> None:
    segments = {"loop": {"any": [{"tag": "x"}, {"segment": "loop"}]}}
    with pytest.raises(RuleCycle, match="loop"):
        compile_rule({"segment": "loop"}, segments=segments.get)


def test_a_cycle_through_several_segments_names_the_path() -> None:
    segments = {"a": {"segment": "b"}, "b": {"not": {"segment": "c"}}, "c": {"segment": "a"}}
    with pytest.raises(RuleCycle) as raised:
        compile_rule({"segment": "a"}, segments=segments.get)
    assert "a → b → c → a" in str(raised.value)


def test_a_shared_reference_is_not_a_cycle() -> None:
    segments = {"d": {"tag": "x"}, "b": {"segment": "d"}, "c": {"segment": "d"}}
    rule = {"all": [{"segment": "b"}, {"segment": "c"}, {"segment": "d"}]}
    assert holds(rule, snapshot(tags=("x",)), segments=segments)


# --- requirements ---------------------------------------------------------------------------


def test_requirements_are_deduplicated_across_leaves_and_segments() -> None:
    segments = {
        "recent_cosmetics": {
            "event": "product_viewed",
            "where": {"category": "cosmetics"},
            "within": "P1W",
        }
    }
    rule = {
        "all": [
            {
                "event": "product_viewed",
                "where": {"category": "cosmetics"},
                "count": {"op": "gte", "value": 3},
                "within": "P7D",
            },
            {
                "not": {
                    "event": "product_viewed",
                    "where": {"category": "cosmetics"},
                    "within": "P7D",
                }
            },
            {"segment": "recent_cosmetics"},
            {"event": "product_viewed"},
            {"event": "product_viewed", "count": {"op": "lt", "value": 100}},
            {"event": "order_paid", "where": {"b": 2, "a": 1}},
            {"event": "order_paid", "where": {"a": 1, "b": 2}},
        ]
    }
    assert compile_rule(rule, segments=segments.get).requirements == {
        COSMETICS_7D,
        VIEWED,
        EventRequirement("order_paid", (("a", 1), ("b", 2))),
    }


def test_a_rule_without_events_needs_no_counts() -> None:
    rule = {
        "all": [
            {"tag": "a"},
            {"attr": "x", "op": "exists"},
            {"message": {"node": "n", "status": "sent"}},
        ]
    }
    assert compile_rule(rule).requirements == frozenset()
