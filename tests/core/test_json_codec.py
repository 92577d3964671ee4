"""core.json_codec encodes the value (or raises the error) json.dumps does, and says where not."""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import json_codec
from journeys.models import EnrollmentStatus

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: orjson refuses those
    | st.integers(min_value=-(2**63) - 10, max_value=-(2**63) + 10)
    | st.floats()  # NaN and the infinities too: orjson would write null
    | st.text()  # lone surrogates too: orjson refuses those
)
JSON_VALUES = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def _value(text: str) -> str:
    """The value a text holds, as the standard library writes it: tells NaN, -0.0, 1 and 1.0
    apart, and NaN equal to itself."""
    return json.dumps(json.loads(text))


def _encoded(dumps: Any, value: Any) -> tuple[str, Any]:
    """What encoding gives: the value of its text, or the class of the error it raises."""
    try:
        return ("gives", _value(dumps(value)))
    except (TypeError, ValueError) as exc:
        return ("raises", type(exc))


@given(JSON_VALUES)
def test_dumps_holds_what_json_dumps_holds(value: Any) -> None:
    assert _value(json_codec.dumps(value)) == _value(json.dumps(value))


_CIRCULAR: list[Any] = []
_CIRCULAR.append(_CIRCULAR)


@pytest.mark.parametrize(
    "value",
    [
        {1: "int key", None: "null key", 2.5: "float key"},
        {"big": 2**70},
        EnrollmentStatus.WAITING,  # a str subclass
        {"nan": float("nan"), "inf": [float("inf"), -math.inf]},
        (1, "tuple"),
        "\ud800",
        datetime(2026, 3, 2, tzinfo=UTC),
        _CIRCULAR,
    ],
)
def test_values_orjson_encodes_otherwise_are_encoded_as_json_encodes_them(value: Any) -> None:
    assert _encoded(json_codec.dumps, value) == _encoded(json.dumps, value)


def test_the_one_difference_a_uuid_is_encoded_where_json_refuses_it() -> None:
    """Documented in the module: the walker only holds decoded JSON, never a UUID."""
    value = uuid.UUID(int=7)
    with pytest.raises(TypeError):
        json.dumps(value)
    assert json.loads(json_codec.dumps({"id": value})) == {"id": str(value)}


def test_text_differs_in_form_only() -> None:
    value = {"text": "Zoë, 你好", "n": [1, 2.5]}
    assert json_codec.dumps(value) == '{"text":"Zoë, 你好","n":[1,2.5]}'
    assert json_codec.stdlib_dumps(value) == json.dumps(value)
