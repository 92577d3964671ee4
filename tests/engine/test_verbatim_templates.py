"""Texts without template syntax skip Jinja, and come out exactly as Jinja would render them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.templating import template_environment
from journeys.nodes.templates import _compiled, _Verbatim, _verbatim, render_leaves

SYNTAXY = st.text(alphabet=st.sampled_from(list("ab {}%#-+\n\r\t.é")), max_size=30)


@given(st.one_of(st.text(max_size=40), SYNTAXY))
def test_a_text_taken_verbatim_is_what_jinja_renders(text: str) -> None:
    environment = template_environment()
    if _verbatim(text, environment):
        assert _compiled(text).render({}) == environment.from_string(text).render({}) == text


def test_templates_still_go_through_jinja() -> None:
    context = {"contact": {"first_name": "Ana"}}
    params = {
        "title": "Hi {{ contact.first_name }}",
        "body": "Plain text, {curly} and 100% fine.",
        "tail": "two lines\n",
        "note": "{# a comment #}kept",
    }
    assert render_leaves(params, context) == {
        "title": "Hi Ana",
        "body": "Plain text, {curly} and 100% fine.",
        "tail": "two lines",  # Jinja drops a trailing newline: not verbatim
        "note": "kept",
    }
    assert isinstance(_compiled(params["body"]), _Verbatim)
    assert not isinstance(_compiled(params["tail"]), _Verbatim)
