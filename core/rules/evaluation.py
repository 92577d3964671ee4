"""Compiling rules into predicates, shared by segments and the journey engine.

A rule is compiled once into a tree of small closures; evaluating it for a contact does no
parsing. Facts that live in other tables (event counts, message statuses) come from a `Facts`
object the caller fills for a whole batch of contacts at once: `CompiledRule.requirements`
lists the event counts a rule needs, so the caller can load each with one aggregate query for
the batch instead of one per contact.

Evaluation never raises on data: a type mismatch (comparing text with a number) is false.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from core.durations import parse_duration

BUILTIN_FIELDS = frozenset(
    {"email", "phone", "timezone", "locale", "first_name", "last_name", "created_at"}
)
# Engagement moves forward along this ladder; "opened" holds for a message that was clicked.
_PROGRESS = {"sent": 1, "delivered": 2, "opened": 3, "clicked": 4}


class ContactSnapshot(NamedTuple):
    """What rules may read about a contact (a NamedTuple: the walker makes one per pass, and
    a frozen dataclass's constructor cost twice as much)."""

    id: int
    fields: Mapping[str, Any]  # the built-in fields by name
    attributes: Mapping[str, Any]
    tags: frozenset[str]


@dataclass(frozen=True)
class EventRequirement:
    """How many events named `name`, with these property values, within `within` of now."""

    name: str
    where: tuple[tuple[str, Any], ...] = ()
    within: timedelta | None = None


class Facts(Protocol):
    def event_count(self, contact_id: int, requirement: EventRequirement) -> int: ...

    def message_status(self, contact_id: int, node: str, journey: int | None) -> str | None: ...


Predicate = Callable[[ContactSnapshot, Facts], bool]
SegmentResolver = Callable[[str], Any]  # segment key → its rule, or None when unknown


@dataclass(frozen=True)
class CompiledRule:
    predicate: Predicate
    requirements: frozenset[EventRequirement] = field(default_factory=frozenset)

    def __call__(self, contact: ContactSnapshot, facts: Facts) -> bool:
        return self.predicate(contact, facts)


class RuleCycle(ValueError):
    """Segments that refer to each other in a loop cannot be evaluated."""


def compile_rule(rule: Any, *, segments: SegmentResolver | None = None) -> CompiledRule:
    """Compile a rule that passed `core.rules.validation.rule_problems`."""
    requirements: set[EventRequirement] = set()
    predicate = _Compiler(segments, requirements).compile(rule, ())
    return CompiledRule(predicate, frozenset(requirements))


class _Compiler:
    def __init__(self, segments: SegmentResolver | None, requirements: set[EventRequirement]):
        self.segments = segments
        self.requirements = requirements

    def compile(self, rule: Mapping[str, Any], stack: tuple[str, ...]) -> Predicate:
        if "all" in rule:
            parts = [self.compile(child, stack) for child in rule["all"]]
            return lambda c, f: all(part(c, f) for part in parts)
        if "any" in rule:
            parts = [self.compile(child, stack) for child in rule["any"]]
            return lambda c, f: any(part(c, f) for part in parts)
        if "not" in rule:
            inner = self.compile(rule["not"], stack)
            return lambda c, f: not inner(c, f)
        if "attr" in rule:
            return _attribute(rule["attr"], rule["op"], rule.get("value"))
        if "tag" in rule:
            tag = rule["tag"]
            return lambda c, f: tag in c.tags
        if "event" in rule:
            return self._event(rule)
        if "message" in rule:
            return _message(rule["message"])
        if "segment" in rule:
            return self._segment(rule["segment"], stack)
        raise ValueError(f"Not a rule: {sorted(rule)}")

    def _event(self, rule: Mapping[str, Any]) -> Predicate:
        duration = parse_duration(rule["within"]) if "within" in rule else None
        requirement = EventRequirement(
            name=rule["event"],
            where=tuple(sorted((rule.get("where") or {}).items())),
            within=duration.approximate() if duration is not None else None,
        )
        self.requirements.add(requirement)
        count = rule.get("count") or {"op": "gte", "value": 1}
        compare = _COMPARE[count["op"]]
        target = count["value"]
        return lambda c, f: compare(f.event_count(c.id, requirement), target)

    def _segment(self, key: str, stack: tuple[str, ...]) -> Predicate:
        if key in stack:
            raise RuleCycle(" → ".join([*stack, key]))
        rule = self.segments(key) if self.segments is not None else None
        if rule is None:
            return lambda c, f: False
        return self.compile(rule, (*stack, key))


def _message(spec: Mapping[str, Any]) -> Predicate:
    node, wanted, journey = spec["node"], spec["status"], spec.get("journey")
    wanted_rank = _PROGRESS.get(wanted)

    def matches(contact: ContactSnapshot, facts: Facts) -> bool:
        status = facts.message_status(contact.id, node, journey)
        if status is None:
            return False
        if wanted_rank is None:
            return bool(status == wanted)
        return _PROGRESS.get(status, 0) >= wanted_rank

    return matches


def _read(contact: ContactSnapshot, name: str) -> tuple[bool, Any]:
    source = contact.fields if name in BUILTIN_FIELDS else contact.attributes
    if name not in source:
        return False, None
    value = source[name]
    if value is None or value == "":
        return False, None
    return True, value


def _attribute(name: str, op: str, value: Any) -> Predicate:
    if name == "created_at":
        value = _as_datetimes(value)
    test = _OPERATORS[op]

    def matches(contact: ContactSnapshot, facts: Facts) -> bool:
        present, actual = _read(contact, name)
        if not present:
            return op in ("ne", "not_in")
        try:
            return bool(test(actual, value))
        except TypeError:
            return False

    return matches


def _as_datetimes(value: Any) -> Any:
    """ISO strings as aware datetimes; a date or time without an offset is read as UTC."""

    def convert(item: Any) -> Any:
        if isinstance(item, str):
            try:
                parsed = datetime.fromisoformat(item)
            except ValueError:
                return item
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return item

    return [convert(v) for v in value] if isinstance(value, list) else convert(value)


def _comparable(left: Any, right: Any) -> bool:
    """Numbers with numbers (bools apart), text with text, datetimes with datetimes."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool)
    numeric = (int, float)
    if isinstance(left, numeric) and isinstance(right, numeric):
        return True
    return type(left) is type(right)


def _eq(left: Any, right: Any) -> bool:
    return _comparable(left, right) and left == right


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def test(left: Any, right: Any) -> bool:
        return _comparable(left, right) and compare(left, right)

    return test


def _between(actual: Any, bounds: Any) -> bool:
    low, high = bounds
    return _comparable(actual, low) and _comparable(actual, high) and low <= actual <= high


def _contains(actual: Any, value: Any) -> bool:
    if isinstance(actual, str):
        return isinstance(value, str) and value in actual
    if isinstance(actual, list):
        return any(_eq(item, value) for item in actual)
    return False


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _eq,
    "ne": lambda a, b: not _eq(a, b),
    "gt": _ordered(_COMPARE["gt"]),
    "gte": _ordered(_COMPARE["gte"]),
    "lt": _ordered(_COMPARE["lt"]),
    "lte": _ordered(_COMPARE["lte"]),
    "in": lambda a, b: any(_eq(a, item) for item in b),
    "not_in": lambda a, b: not any(_eq(a, item) for item in b),
    "contains": _contains,
    "starts_with": lambda a, b: isinstance(a, str) and a.startswith(b),
    "exists": lambda a, b: True,
    "between": _between,
}
