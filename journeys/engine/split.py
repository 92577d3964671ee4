"""Deterministic A/B assignment: the same contact always lands in the same variant.

The point in [0, 1) comes from a hash of (journey, split node, contact), so a replayed step, a
second worker or a re-run of the simulator cannot change a contact's variant, and different
split nodes assign independently. The holdout is taken first from the bottom of the range; the
rest is divided among the variants by their normalised weights.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

HOLDOUT = "holdout"
_SCALE = float(16**15)


@dataclass(frozen=True)
class Variant:
    key: str
    weight: float


def split_point(journey_id: int, node_id: str, contact_id: int) -> float:
    digest = hashlib.sha256(f"{journey_id}:{node_id}:{contact_id}".encode()).hexdigest()
    return int(digest[:15], 16) / _SCALE


def assign(point: float, variants: Sequence[Variant], holdout_percent: float = 0.0) -> str:
    """The variant key (or "holdout") for a point in [0, 1)."""
    holdout = holdout_percent / 100
    if point < holdout:
        return HOLDOUT
    rest = (point - holdout) / (1 - holdout)
    total = sum(variant.weight for variant in variants)
    cumulative = 0.0
    for variant in variants:
        cumulative += variant.weight / total
        if rest < cumulative:
            return variant.key
    return variants[-1].key  # rounding can leave rest a hair above the last boundary
