"""JSON pointers (RFC 6901), the one way Touchflow locates an error inside a document."""

from __future__ import annotations

from collections.abc import Iterable


def escape(token: str | int) -> str:
    """One pointer step: `~` and `/` inside a key must not split it."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(base: str, *tokens: str | int) -> str:
    """`base` extended by `tokens`, each escaped."""
    return base + "".join(f"/{escape(token)}" for token in tokens)


def pointer_from(tokens: Iterable[str | int]) -> str:
    return pointer("", *tokens)
