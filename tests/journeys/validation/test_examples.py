"""The contract's example journeys validate unchanged (examples/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from journeys.validation import validate_document
from tests.journeys.validation.workspace import demo_references
from tests.support.system import shared_examples_dir

EXAMPLE_NAMES = [
    "cart_abc_test",
    "fallback_chain",
    "high_value_routing",
    "onboarding_drip",
    "silent_staircase",
]


def test_every_example_file_is_covered() -> None:
    journeys = {path.stem for path in shared_examples_dir().glob("*.json")} - {"segments"}
    assert journeys == set(EXAMPLE_NAMES)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_validates_without_errors(name: str) -> None:
    path: Path = shared_examples_dir() / f"{name}.json"
    document = json.loads(path.read_text(encoding="utf-8"))

    assert validate_document(document, demo_references()) == []


def test_example_segments_are_the_stand_in_workspace_segments() -> None:
    segments = json.loads((shared_examples_dir() / "segments.json").read_text(encoding="utf-8"))

    assert set(segments) == set(demo_references().segments)
