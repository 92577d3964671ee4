"""Building providers' config schemas: every property titled and described, as the catalog and
the canvas's generated forms need (a contract test checks each provider's schema)."""

from __future__ import annotations

from typing import Any


def schema_field(kind: str, title: str, description: str, **extra: Any) -> dict[str, Any]:
    """One JSON Schema property of type `kind`, with its form label and help text."""
    return {"type": kind, "title": title, "description": description, **extra}
