"""The one Jinja2 environment for message params and webhook templates (JOURNEY_FORMAT.md).

Pure Python (no Django): the journey validator checks syntax with it and the senders will render
with it, so what validates is exactly what renders. Sandboxed because marketers write these
templates: nothing may reach Python internals. Undefined variables render empty, through any
depth (`contact.attributes.x.y`), because a missing attribute must not fail a message.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment, SecurityError

MAX_POWER_BITS = 100_000
MAX_REPEATED_LENGTH = 100_000


class _Sandbox(SandboxedEnvironment):
    """The stock sandbox, minus two ways to hang a worker: `9**9**9` and `'x' * 10**10`."""

    intercepted_binops = frozenset({"**", "*"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _power_too_big(left, right):
            raise SecurityError(f"Powers above {MAX_POWER_BITS} bits are not allowed.")
        if operator == "*" and _repeats_too_much(left, right):
            raise SecurityError(f"Results longer than {MAX_REPEATED_LENGTH} are not allowed.")
        return super().call_binop(context, operator, left, right)


def _power_too_big(base: Any, exponent: Any) -> bool:
    """Whole-number powers grow without bound; floats overflow quickly on their own."""
    if not (isinstance(base, int) and isinstance(exponent, int)):
        return False
    return exponent > 0 and base.bit_length() * exponent > MAX_POWER_BITS


def _repeats_too_much(left: Any, right: Any) -> bool:
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | list | tuple) and isinstance(times, int):
            return len(sequence) * times > MAX_REPEATED_LENGTH
    return False


@cache
def template_environment() -> SandboxedEnvironment:
    """The shared sandboxed environment; autoescape is off because messages are not HTML pages."""
    return _Sandbox(undefined=ChainableUndefined, autoescape=False)


@lru_cache(maxsize=4096)
def template_syntax_error(text: str) -> str | None:
    """The reason `text` cannot be compiled, with its line, or None when it can.

    Compiling (not only parsing) also catches unknown filters and tests, which Jinja2 reports
    at compile time; such a template would otherwise fail every message it renders.
    """
    try:
        template_environment().compile(text)
    except TemplateSyntaxError as error:
        return f"{error.message} (line {error.lineno})"
    return None
