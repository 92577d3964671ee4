"""Rules inside a journey: their shape, and the send nodes they refer to.

Shape checks are `core.rules.validation`'s, shared with segments. What only a journey can check
is here: a `message` leaf, and a wait_event's `where.node`, must name a send node of this same
document, or the condition would silently never match.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.rules.validation import iter_leaves, rule_problems
from journeys.validation.errors import DocumentError
from journeys.validation.model import Journey, Node, is_name, obj, rules_of


def rule_errors(journey: Journey) -> list[DocumentError]:
    send_ids = journey.send_ids
    errors: list[DocumentError] = []
    for node in journey.nodes:
        for path, rule in rules_of(node):
            if isinstance(rule, dict):  # anything else is a schema.invalid already
                errors.extend(_rule(node, path, rule, send_ids))
        if node.type == "wait_event":
            errors.extend(_where_node(node, send_ids))
    return errors


def _rule(
    node: Node, path: str, rule: dict[str, object], send_ids: frozenset[str]
) -> Iterator[DocumentError]:
    for problem in rule_problems(rule, path):
        yield DocumentError(problem.code, problem.message, node.id, problem.path)
    for leaf_path, leaf in iter_leaves(rule, path):
        target = obj(leaf.get("message")).get("node")
        if is_name(target) and target not in send_ids:
            yield DocumentError(
                "rule.invalid",
                f"message.node {target!r} is not a send node of this journey.",
                node.id,
                f"{leaf_path}/message/node",
            )


def _where_node(node: Node, send_ids: frozenset[str]) -> Iterator[DocumentError]:
    target = obj(node.config.get("where")).get("node")
    if is_name(target) and target not in send_ids:
        yield DocumentError(
            "rule.invalid",
            f"where.node {target!r} is not a send node of this journey.",
            node.id,
            node.at("where", "node"),
        )
