"""The schemas the canvas form's unit tests read are the ones the server serves.

frontend_static/tests/fixtures/schemas.json feeds vitest (which has no server); this test fails
when a node config schema or a channel's params schema changes without the fixture, so the form
is never tested against a shape the API no longer has. Regenerate with the command in the message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from channels_plugins.registry import get_registry
from journeys.catalog import NODE_TYPES

FIXTURE = Path(__file__).resolve().parents[2] / "frontend_static/tests/fixtures/schemas.json"


def served_schemas() -> dict[str, Any]:
    return {
        "node_types": {kind.name: kind.config_schema for kind in NODE_TYPES},
        "params_schemas": {
            name: dict(schema) for name, schema in sorted(get_registry().params_schemas().items())
        },
    }


def test_fixture_matches_the_served_schemas() -> None:
    stored = json.loads(FIXTURE.read_text(encoding="utf-8"))
    served = json.loads(json.dumps(served_schemas()))
    # Tests may register extra channels; the fixture holds the built-in ones, which must match.
    served["params_schemas"] = {
        name: schema
        for name, schema in served["params_schemas"].items()
        if name in stored["params_schemas"]
    }

    assert set(stored["params_schemas"]) >= {"email", "push", "sms", "wechat"}
    assert stored == served, (
        "Regenerate: .venv/bin/python -c 'import django, json; django.setup(); "
        "from tests.canvas.test_form_fixture import served_schemas, FIXTURE; "
        "FIXTURE.write_text(json.dumps(served_schemas(), indent=1, ensure_ascii=False) "
        "+ chr(10))' with DJANGO_SETTINGS_MODULE=core.settings (key order is field order)"
    )
