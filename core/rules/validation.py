"""Shape checks for rules, returning every problem with a JSON pointer.

A rule is a group (`all`/`any` over a list, `not` over one rule) or a leaf (`attr`, `tag`,
`event`, `message`, `segment`). The checks are strict because a typo in a rule silently changes
who gets a message: an unknown key or operator is an error, never ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from core.durations import parse_duration, quoted
from core.jsonpointer import escape

ATTRIBUTE_OPERATORS = frozenset(
    {
        "eq",
        "ne",
        "gt",
        "gte",
        "lt",
        "lte",
        "in",
        "not_in",
        "contains",
        "starts_with",
        "exists",
        "between",
    }
)
COUNT_OPERATORS = frozenset({"eq", "ne", "gt", "gte", "lt", "lte"})
MESSAGE_STATUSES = frozenset(
    {"sent", "delivered", "opened", "clicked", "bounced", "failed", "skipped"}
)
LEAF_KEYS: dict[str, frozenset[str]] = {
    "attr": frozenset({"attr", "op", "value"}),
    "tag": frozenset({"tag"}),
    "event": frozenset({"event", "where", "count", "within"}),
    "message": frozenset({"message"}),
    "segment": frozenset({"segment"}),
}
GROUP_KEYS = frozenset({"all", "any", "not"})
# Groups nest at most this deep. People write a handful of levels; the limit keeps checking,
# compiling and storing a rule far from Python's recursion limit.
MAX_DEPTH = 32


@dataclass(frozen=True)
class RuleProblem:
    code: str  # "rule.invalid" or "duration.invalid"
    message: str
    path: str  # JSON pointer, relative to the document or the caller's base


def rule_problems(rule: Any, path: str = "", *, allow_journey: bool = False) -> list[RuleProblem]:
    """Every problem in `rule`; empty when it is valid.

    `allow_journey` admits `message.journey`, which only segments may use (inside a journey a
    message leaf always means this journey's node).
    """
    return list(_check(rule, path, allow_journey, 0))


def _invalid(path: str, message: str) -> RuleProblem:
    return RuleProblem("rule.invalid", message, path)


def _is_one_of(value: Any, names: frozenset[str]) -> bool:
    """Membership that cannot raise: a list or object where a name belongs is not hashable."""
    return isinstance(value, str) and value in names


def _check(rule: Any, path: str, allow_journey: bool, depth: int) -> Iterator[RuleProblem]:
    if not isinstance(rule, dict) or not rule:
        yield _invalid(path, "A rule must be a non-empty object.")
        return
    group_keys = GROUP_KEYS & rule.keys()
    if group_keys:
        if depth >= MAX_DEPTH:
            yield _invalid(path, f"Rules nest at most {MAX_DEPTH} groups deep.")
            return
        yield from _check_group(rule, path, allow_journey, depth)
        return
    kind = next((key for key in LEAF_KEYS if key in rule), None)
    if kind is None:
        keys = ", ".join(sorted(rule))
        yield _invalid(
            path,
            f"Unknown rule ({keys}): expected all, any, not, attr, tag, event, message or segment.",
        )
        return
    for extra in sorted(rule.keys() - LEAF_KEYS[kind]):
        yield _invalid(f"{path}/{escape(extra)}", f"Unknown key {extra!r} in a {kind} rule.")
    yield from _LEAF_CHECKS[kind](rule, path, allow_journey)


def _check_group(
    rule: dict[str, Any], path: str, allow_journey: bool, depth: int
) -> Iterator[RuleProblem]:
    if len(rule) != 1:
        yield _invalid(path, "A group has exactly one key: all, any or not.")
        return
    ((key, body),) = rule.items()
    if key == "not":
        yield from _check(body, f"{path}/not", allow_journey, depth + 1)
        return
    if not isinstance(body, list) or not body:
        yield _invalid(f"{path}/{key}", f"{key!r} takes a non-empty list of rules.")
        return
    for index, child in enumerate(body):
        yield from _check(child, f"{path}/{key}/{index}", allow_journey, depth + 1)


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _check_attr(rule: dict[str, Any], path: str, allow_journey: bool) -> Iterator[RuleProblem]:
    if not _is_name(rule["attr"]):
        yield _invalid(f"{path}/attr", "attr must name an attribute.")
    op = rule.get("op")
    if not _is_one_of(op, ATTRIBUTE_OPERATORS):
        yield _invalid(
            f"{path}/op",
            f"Unknown operator {op!r}; expected one of {', '.join(sorted(ATTRIBUTE_OPERATORS))}.",
        )
        return
    has_value = "value" in rule
    value = rule.get("value")
    if op == "exists":
        if has_value:
            yield _invalid(f"{path}/value", "exists takes no value.")
    elif not has_value:
        yield _invalid(path, f"{op} needs a value.")
    elif op == "between" and not (isinstance(value, list) and len(value) == 2):
        yield _invalid(f"{path}/value", "between takes a list of two bounds.")
    elif op in ("in", "not_in") and not isinstance(value, list):
        yield _invalid(f"{path}/value", f"{op} takes a list.")
    elif op == "starts_with" and not isinstance(value, str):
        yield _invalid(f"{path}/value", "starts_with takes a string.")


def _check_tag(rule: dict[str, Any], path: str, allow_journey: bool) -> Iterator[RuleProblem]:
    if not _is_name(rule["tag"]):
        yield _invalid(f"{path}/tag", "tag must name a tag.")


def _check_event(rule: dict[str, Any], path: str, allow_journey: bool) -> Iterator[RuleProblem]:
    if not _is_name(rule["event"]):
        yield _invalid(f"{path}/event", "event must name an event.")
    where = rule.get("where", {})
    if not isinstance(where, dict) or not all(
        isinstance(v, str | int | float | bool) or v is None for v in where.values()
    ):
        yield _invalid(f"{path}/where", "where maps property names to plain values.")
    if "count" in rule:
        count = rule["count"]
        if (
            not isinstance(count, dict)
            or set(count) != {"op", "value"}
            or not _is_one_of(count["op"], COUNT_OPERATORS)
            or not isinstance(count["value"], int)
            or isinstance(count["value"], bool)
            or count["value"] < 0
        ):
            yield _invalid(
                f"{path}/count",
                'count is {"op": eq|ne|gt|gte|lt|lte, "value": a whole number >= 0}.',
            )
    if "within" in rule and not _is_window(rule["within"]):
        yield RuleProblem(
            "duration.invalid",
            f"within {quoted(rule['within'])} is not an ISO 8601 duration longer than zero and"
            " at most 100 years, such as P7D.",
            f"{path}/within",
        )


def _is_window(text: Any) -> bool:
    """A duration that parses; parse_duration refuses those beyond a hundred years."""
    return parse_duration(text) is not None


def _check_message(rule: dict[str, Any], path: str, allow_journey: bool) -> Iterator[RuleProblem]:
    body = rule["message"]
    allowed = {"node", "status", "journey"} if allow_journey else {"node", "status"}
    if not isinstance(body, dict):
        yield _invalid(f"{path}/message", 'message is {"node", "status"}.')
        return
    for extra in sorted(body.keys() - allowed):
        yield _invalid(
            f"{path}/message/{escape(extra)}", f"Unknown key {extra!r} in a message rule."
        )
    if not _is_name(body.get("node")):
        yield _invalid(f"{path}/message/node", "message.node must name a send node.")
    if not _is_one_of(body.get("status"), MESSAGE_STATUSES):
        yield _invalid(
            f"{path}/message/status",
            f"message.status is one of {', '.join(sorted(MESSAGE_STATUSES))}.",
        )
    if (
        allow_journey
        and "journey" in body
        and not (isinstance(body["journey"], int) and not isinstance(body["journey"], bool))
    ):
        yield _invalid(f"{path}/message/journey", "message.journey is a journey id.")


def _check_segment(rule: dict[str, Any], path: str, allow_journey: bool) -> Iterator[RuleProblem]:
    if not _is_name(rule["segment"]):
        yield _invalid(f"{path}/segment", "segment must name a segment key.")


_LEAF_CHECKS = {
    "attr": _check_attr,
    "tag": _check_tag,
    "event": _check_event,
    "message": _check_message,
    "segment": _check_segment,
}


def iter_leaves(rule: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (pointer, leaf) for every leaf of a (possibly invalid) rule, skipping bad shapes.

    Iterative, in document order, so any nesting depth is safe."""
    stack: list[tuple[Any, str]] = [(rule, path)]
    while stack:
        node, where = stack.pop()
        if not isinstance(node, dict):
            continue
        if not GROUP_KEYS & node.keys():
            yield where, node
            continue
        children: list[tuple[Any, str]] = []
        for key in ("all", "any"):
            if isinstance(node.get(key), list):
                children.extend(
                    (child, f"{where}/{key}/{index}") for index, child in enumerate(node[key])
                )
        if "not" in node:
            children.append((node["not"], f"{where}/not"))
        stack.extend(reversed(children))
