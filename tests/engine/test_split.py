"""Split assignment: proportions, determinism, holdout first, independence between nodes."""

from __future__ import annotations

from collections import Counter

import pytest

from journeys.engine.split import HOLDOUT, Variant, assign, split_point

ABC = [Variant("A", 34), Variant("B", 33), Variant("C", 33)]
CONTACTS = range(30_000)


def shares(variants: list[Variant], holdout: float = 0.0, node: str = "ab") -> dict[str, float]:
    counts = Counter(assign(split_point(7, node, c), variants, holdout) for c in CONTACTS)
    return {key: count / len(CONTACTS) for key, count in counts.items()}


def test_proportions_follow_the_weights() -> None:
    observed = shares(ABC)
    for key, expected in {"A": 0.34, "B": 0.33, "C": 0.33}.items():
        assert observed[key] == pytest.approx(expected, abs=0.015)


def test_holdout_is_taken_first_and_the_rest_keeps_its_ratio() -> None:
    observed = shares([Variant("A", 1), Variant("B", 3)], holdout=10)
    assert observed[HOLDOUT] == pytest.approx(0.10, abs=0.01)
    assert observed["A"] == pytest.approx(0.225, abs=0.015)
    assert observed["B"] == pytest.approx(0.675, abs=0.015)


def test_assignment_is_deterministic_and_independent_per_node() -> None:
    first = [assign(split_point(7, "ab", c), ABC) for c in range(2_000)]
    again = [assign(split_point(7, "ab", c), ABC) for c in range(2_000)]
    other = [assign(split_point(7, "other", c), ABC) for c in range(2_000)]
    assert first == again
    agreement = sum(a == b for a, b in zip(first, other, strict=True)) / len(first)
    assert agreement == pytest.approx(0.334, abs=0.05)  # unrelated, not copied


def test_edges_of_the_range() -> None:
    assert assign(0.0, ABC) == "A"
    assert assign(0.999_999_999, ABC) == "C"
    assert assign(0.0, ABC, holdout_percent=5) == HOLDOUT
