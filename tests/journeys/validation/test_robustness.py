"""validate_document never raises, whatever it is given, and its errors always point somewhere.

The validate endpoint receives drafts mid-edit and documents from integrators, so a crash here is
a 500 on the canvas. Hypothesis mutates real documents and builds malformed ones from scratch.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeys.catalog import NODE_TYPE_NAMES, load_schema
from journeys.validation import DocumentError, validate_document
from journeys.validation.errors import CODES
from tests.journeys.validation.workspace import demo_references
from tests.support.system import shared_examples_dir

Location = tuple[str | int, ...]
VALID_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "journeys" / "valid"
NAMES = [
    "start", "push1", "done", "ab", "tier", "ghost", "",
    "next", "yes", "no", "default", "holdout", "failed", "timeout", "received", "A",
    "push", "sms", "email", "telegram", "push-main", "sms-main", "vip", "whales", "$viewport",
    "event", "segment", "schedule", "api", "marketing", "P1D", "PT0S", "P", "08:00", "25:00",
    "0 9 * * *", "* * *", "2030-01-01T09:00:00", "{{", "{{ x }}", "{% if %}", "a/b", "~1",
    "all", "any", "not", "attr", "op", "eq", "between", "exists", "message", "node", "status",
]  # fmt: skip


def _property_names(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                yield from value
            yield from _property_names(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _property_names(item)


KEYS = sorted(set(_property_names(load_schema())) | {"all", "any", "not", "attr", "op", "value"})
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(NAMES)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)
names = st.sampled_from(NAMES) | json_values
nodes = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(NAMES) | scalars,
        "type": st.sampled_from(NODE_TYPE_NAMES) | scalars,
        "config": st.dictionaries(st.sampled_from(KEYS), json_values | names, max_size=5)
        | json_values,
        "label": scalars,
    },
)
edges = st.fixed_dictionaries(
    {}, optional={"from": names, "to": names, "port": names, "extra": scalars}
)
documents = st.fixed_dictionaries(
    {"schema_version": st.just(1)},
    optional={
        "nodes": st.lists(nodes | json_values, max_size=8),
        "edges": st.lists(edges | json_values, max_size=10),
        "settings": st.dictionaries(st.sampled_from(KEYS), json_values | names, max_size=4),
        "ui": json_values,
    },
)


def _locations(value: Any, here: Location = ()) -> Iterator[Location]:
    yield here
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _locations(child, (*here, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _locations(child, (*here, index))


def _resolve(document: Any, path: str) -> tuple[bool, Any]:
    value = document
    for raw in path.split("/")[1:] if path else []:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return False, None
    return True, value


def check_result(document: Any) -> list[DocumentError]:
    """Validate and assert everything any result must satisfy."""
    before = copy.deepcopy(document)
    errors = validate_document(document, demo_references())

    assert isinstance(errors, list)
    assert json.dumps(document, sort_keys=True) == json.dumps(before, sort_keys=True)
    for error in errors:
        assert isinstance(error, DocumentError)
        assert error.code in CODES
        assert error.message
        assert error.path == "" or error.path.startswith("/")
        parent = error.path.rpartition("/")[0]
        assert _resolve(document, error.path)[0] or _resolve(document, parent)[0], error
        if error.path.startswith("/nodes/"):
            _, node = _resolve(document, "/".join(error.path.split("/")[:3]))
            node_id = node.get("id") if isinstance(node, dict) else None
            expected = node_id if isinstance(node_id, str) and node_id else None
            assert error.node_id == expected, error
        elif error.node_id is not None:
            assert error.path.startswith("/edges/"), error
    assert validate_document(document, demo_references()) == errors
    return errors


@pytest.fixture(scope="module")
def seeds() -> list[Any]:
    examples = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(shared_examples_dir().glob("*.json"))
        if path.stem != "segments"
    ]
    fixtures = [
        json.loads(path.read_text(encoding="utf-8")) for path in VALID_FIXTURES.glob("*.json")
    ]
    return examples + fixtures


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_documents_never_break_the_validator(seeds: list[Any], data: st.DataObject) -> None:
    document = copy.deepcopy(data.draw(st.sampled_from(seeds)))
    for _ in range(data.draw(st.integers(1, 4))):
        locations = list(_locations(document))[1:]
        if not locations:
            break
        where = data.draw(st.sampled_from(locations))
        parent = document
        for token in where[:-1]:
            parent = parent[token]
        last: Any = where[-1]
        action = data.draw(st.sampled_from(["drop", "replace", "add", "copy"]))
        if action == "drop":
            del parent[last]
        elif action == "replace":
            parent[last] = data.draw(json_values | names)
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.sampled_from(KEYS))] = data.draw(json_values | names)
        elif action == "copy" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))

    check_result(document)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_malformed_documents_never_break_the_validator(document: dict[str, Any]) -> None:
    check_result(document)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_any_json_value_gets_an_answer(document: Any) -> None:
    errors = check_result(document)

    if not (isinstance(document, dict) and document.get("schema_version") == 1):
        assert [error.code for error in errors] == ["schema.version"]
