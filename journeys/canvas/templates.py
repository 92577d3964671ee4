"""Starting points for a new journey: an empty canvas or one of the scenario journeys."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from journeys.demo import DEMO_JOURNEYS, read_example

BLANK = "blank"


@dataclass(frozen=True)
class StartingPoint:
    key: str
    title: str


def starting_points() -> list[StartingPoint]:
    return [StartingPoint(BLANK, str(_("Empty canvas")))] + [
        StartingPoint(file_name.removesuffix(".json"), str(_(title)))
        for file_name, title in DEMO_JOURNEYS.items()
    ]


def blank_document() -> dict[str, Any]:
    return {"schema_version": 1, "settings": {}, "nodes": [], "edges": [], "ui": {}}


def starting_document(key: str) -> dict[str, Any]:
    """The document a new journey starts from; unknown keys start empty."""
    file_name = f"{key}.json"
    if key != BLANK and file_name in DEMO_JOURNEYS:
        return copy.deepcopy(read_example(file_name))
    return blank_document()
