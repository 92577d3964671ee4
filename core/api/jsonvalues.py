"""Free-form JSON the caller sends (attributes, properties, Segment fields) that we can store.

Two things parse but cannot be stored, and would otherwise fail at INSERT time with a 500 for
what is the caller's mistake:

- JSON has no infinity, but Python's parser reads a number too large for a float (`1e400`) as
  `inf`; Django then writes `Infinity`, which SQLite's JSON check and PostgreSQL's jsonb refuse.
- Nesting of some hundreds of levels parses, but `json.dumps` recurses once per level and
  raises RecursionError while saving. No attribute or property needs more than MAX_DEPTH.

The walk is iterative, so it is safe on exactly the values it refuses.
"""

from __future__ import annotations

import math
from typing import Any

from rest_framework import serializers

from core.jsonpointer import escape

MAX_DEPTH = 32


def json_problem(value: Any, pointer: str = "") -> str | None:
    """Why `value` cannot be stored, naming the JSON pointer of the culprit; None if it can."""
    stack: list[tuple[Any, str, int]] = [(value, pointer, 0)]
    while stack:
        current, where, depth = stack.pop()
        if isinstance(current, float) and not math.isfinite(current):
            return f"The number at {where or '/'} is too large to store."
        if isinstance(current, dict | list):
            if depth >= MAX_DEPTH:
                return f"The value at {where or '/'} is nested more than {MAX_DEPTH} levels deep."
            if isinstance(current, dict):
                children = ((item, f"{where}/{escape(key)}") for key, item in current.items())
            else:
                children = ((item, f"{where}/{index}") for index, item in enumerate(current))
            stack.extend((item, path, depth + 1) for item, path in children)
    return None


def require_storable(value: Any) -> Any:
    """A serializer validator for free-form JSON fields."""
    problem = json_problem(value)
    if problem is not None:
        raise serializers.ValidationError(problem)
    return value
