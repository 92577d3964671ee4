"""JSON bodies Touchflow can store on every database it supports.

PostgreSQL cannot hold a NUL character in text or jsonb, and no database can hold a lone UTF-16
surrogate as UTF-8. Both are valid JSON escapes (`\\u0000`, `\\ud800`), so they are refused here,
with a 400, rather than failing at INSERT time with a 500.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core.jsonpointer import escape


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


class StorableJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        pointer = find_unstorable_text(data)
        if pointer is not None:
            raise ParseError(
                f"Text at {pointer} contains a NUL character or an unpaired surrogate escape."
            )
        return data
