"""The demo workspace loads the contract's examples; our copies must not drift from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.system import shared_examples_dir

DEMO_DIR = Path(__file__).resolve().parents[1] / "examples" / "demo"


@pytest.mark.parametrize("name", sorted(p.name for p in DEMO_DIR.glob("*.json")))
def test_demo_copy_equals_the_shared_example(name: str) -> None:
    shared = shared_examples_dir() / name
    assert json.loads((DEMO_DIR / name).read_text()) == json.loads(shared.read_text())


def test_every_shared_example_has_a_demo_copy() -> None:
    shared = {p.name for p in shared_examples_dir().glob("*.json")}
    assert shared == {p.name for p in DEMO_DIR.glob("*.json")}
