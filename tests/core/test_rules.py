"""Rule shape checks stay iterative or bounded on any input; leaves come in document order."""

from __future__ import annotations

from typing import Any

from core.rules.evaluation import compile_rule
from core.rules.validation import MAX_DEPTH, iter_leaves, rule_problems


def deep_not(depth: int) -> dict[str, Any]:
    rule: dict[str, Any] = {"tag": "x"}
    for _ in range(depth):
        rule = {"not": rule}
    return rule


def test_nesting_up_to_the_limit_is_valid_and_compiles() -> None:
    rule = deep_not(MAX_DEPTH)
    assert rule_problems(rule) == []
    predicate = compile_rule(rule)
    assert predicate.requirements == frozenset()


def test_nesting_beyond_the_limit_is_one_located_problem_at_any_depth() -> None:
    for depth in (MAX_DEPTH + 1, 50_000):
        [problem] = rule_problems(deep_not(depth), "/cond")
        assert problem.code == "rule.invalid"
        assert problem.path == "/cond" + "/not" * MAX_DEPTH


def test_iter_leaves_is_in_document_order_and_safe_on_any_depth() -> None:
    rule = {
        "all": [
            {"tag": "a"},
            {"any": [{"tag": "b"}, {"not": {"tag": "c"}}]},
            "not a rule",
            {"segment": "d"},
        ]
    }
    assert [(path, leaf) for path, leaf in iter_leaves(rule, "/rule")] == [
        ("/rule/all/0", {"tag": "a"}),
        ("/rule/all/1/any/0", {"tag": "b"}),
        ("/rule/all/1/any/1/not", {"tag": "c"}),
        ("/rule/all/3", {"segment": "d"}),
    ]
    [(path, leaf)] = list(iter_leaves(deep_not(50_000)))
    assert leaf == {"tag": "x"}
    assert path.count("/not") == 50_000
