"""The simulation's chance: every draw seeded by (seed, what it is about), nothing else.

Each draw gets its own generator keyed by the run's seed and a stable name for what is drawn
(a contact, a message, a script line), so a result depends on the seed and the inputs only,
never on the order in which the engine happened to hand things over. Python seeds a generator
from a string through SHA-512, the same in every process.

Moments fall on a grid of 1/GRID_STEPS of their window (at least MIN_GRAIN): events drawn
"within 3 days" then land on at most 60 distinct offsets from their cause, and the virtual
clock stops at few enough moments to run months of journey time in seconds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

GRID_STEPS = 60
MIN_GRAIN = timedelta(minutes=1)


def generator(seed: int, *key: object) -> random.Random:
    # Reproducible on purpose: a simulation's draws are no secret.
    return random.Random(":".join(str(part) for part in (seed, *key)))  # noqa: S311


def grain(within: timedelta) -> timedelta:
    return max(MIN_GRAIN, within / GRID_STEPS)


def offset(rng: random.Random, within: timedelta) -> timedelta:
    """A uniform moment in [0, within), on the grid."""
    step = grain(within)
    steps = int(rng.random() * (within / step))
    return step * steps


def choose(rng: random.Random, values: Sequence[Any], weights: Sequence[float] | None) -> Any:
    return rng.choices(list(values), weights=list(weights) if weights else None)[0]


def between(rng: random.Random, low: float, high: float) -> float:
    if isinstance(low, int) and isinstance(high, int):
        return rng.randint(low, high)
    return rng.uniform(low, high)
