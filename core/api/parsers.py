"""JSON bodies Touchflow can store on every database it supports.

PostgreSQL cannot hold a NUL character in text or jsonb, and no database can hold a lone UTF-16
surrogate as UTF-8. Both are valid JSON escapes (`\\u0000`, `\\ud800`), so they are refused here,
with a 400, rather than failing at INSERT time with a 500.

Nesting is bounded too: Python's JSON reader recurses once per level and raises RecursionError
near a thousand levels, and every later step that walks a value (JSON Schema, `json.dumps` on
save) recurses as well. No body Touchflow accepts needs more than MAX_BODY_DEPTH levels
(journey documents stop at 100, rules and attributes at 32), so deeper ones are refused here.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core.jsonpointer import escape

MAX_BODY_DEPTH = 200
TOO_DEEP = f"The JSON body is nested more than {MAX_BODY_DEPTH} levels deep."


def unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def find_unstorable_text(value: Any, pointer: str = "") -> str | None:
    """The JSON pointer of the first string (key or value) that cannot be stored, if any."""
    stack: list[tuple[Any, str]] = [(value, pointer)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, str):
            if unstorable(current):
                return where or "/"
        elif isinstance(current, dict):
            for key, item in current.items():
                escaped = escape(key)
                if isinstance(key, str) and unstorable(key):
                    return f"{where}/{escaped!r}"
                stack.append((item, f"{where}/{escaped}"))
        elif isinstance(current, list):
            stack.extend((item, f"{where}/{index}") for index, item in enumerate(current))
    return None


def too_deep(value: Any) -> bool:
    """Whether any object or list sits deeper than MAX_BODY_DEPTH (the body itself is level
    one); iterative, so it is safe on exactly the values it refuses."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > MAX_BODY_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class StorableJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:  # the reader gave up long before our own limit
            raise ParseError(TOO_DEEP) from exc
        if too_deep(data):
            raise ParseError(TOO_DEEP)
        pointer = find_unstorable_text(data)
        if pointer is not None:
            raise ParseError(
                f"Text at {pointer} contains a NUL character or an unpaired surrogate escape."
            )
        return data
