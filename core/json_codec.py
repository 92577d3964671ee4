"""JSON text for the walker's hot columns: orjson where it gives the value the standard
library gives, the standard library everywhere else.

A walker pass encodes three JSON columns per enrollment (its context, its pass log, its
message). The standard library spends 0.9-1.6 µs on each of these small values, orjson
0.13-0.18 µs: measured, 0.13 of 2.8 s of an engine run on SQLite at N = 20,000.

Only encoding: the walker's decoding already skips `json.loads`' setup (`batch._json`), and
orjson's reading is not exact for integers beyond 64 bits, which it reads as floats; the check
that would route those texts to the standard library cost more than orjson saved.

The two agree on every JSON value except where orjson would silently change it, and those
cases go to the standard library, so a caller gets exactly the value, or the error, that
`json.dumps` gives:

- values orjson refuses (integers beyond 64 bits, keys that are not strings, strings
  with lone surrogates, subclasses of str, int, dict or list, datetimes, dataclasses, cycles)
  raise in orjson and are encoded again by the standard library;
- so are values whose orjson text holds `null`, since orjson writes NaN and the infinities as
  null where the standard library writes `NaN` and `Infinity`;
- one difference stays: a UUID, or an Enum member that is neither a str nor an int, is
  encoded by orjson where the standard library refuses it. The walker never holds one: its
  values are decoded JSON.

The text differs from the standard library's only in form (no spaces after separators,
non-ASCII characters as UTF-8 rather than escapes), never in the value it holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import orjson

# orjson hands these to `default` (there is none, so it raises) instead of encoding them its
# own way: the standard library then gives its answer, a text or an error.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_OPTIONS |= orjson.OPT_PASSTHROUGH_SUBCLASS

# The arguments of the C encoder `json.dumps` builds when given no options (the default
# encoder's markers, default, string encoder, indent, separators, sort_keys, skipkeys,
# allow_nan): `json.dumps` builds that encoder (and a float formatter) on every call, which
# costs more than encoding a small value.
_DEFAULT_JSON = json.JSONEncoder()
_STDLIB_OPTIONS = (
    _DEFAULT_JSON.default,
    json.encoder.encode_basestring_ascii,
    None,
    _DEFAULT_JSON.key_separator,
    _DEFAULT_JSON.item_separator,
    False,
    False,
    True,
)
_make_encoder: Callable[..., Callable[[Any, int], Sequence[str]]] | None = getattr(
    json.encoder, "c_make_encoder", None
)


def stdlib_dumps(value: Any) -> str:
    """`json.dumps(value)`: the same text and errors, through the C encoder when there is one."""
    if _make_encoder is None:
        return json.dumps(value)
    return "".join(_make_encoder({}, *_STDLIB_OPTIONS)(value, 0))


def dumps(value: Any) -> str:
    """A JSON text holding the value `json.dumps(value)` holds, or the error it raises."""
    try:
        text = orjson.dumps(value, option=_OPTIONS)
    except TypeError:
        return stdlib_dumps(value)
    if b"null" in text:  # perhaps a NaN or an infinity, which orjson writes as null
        return stdlib_dumps(value)
    return text.decode()
