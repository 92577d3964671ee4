"""Texts without template syntax skip Jinja, and come out exactly as Jinja would render them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.templating import template_environment
from journeys.nodes.templates import _compiled, _Lookups, _Verbatim, _verbatim, render_leaves

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


# Values a contact's attributes hold, nested: what plain lookups may reach.
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(list("abxy")), inner)
    ),
    max_leaves=6,
)
NAMES = st.sampled_from(["contact", "journey", "event", "a", "b", "x", "items", "upper", "range"])
LOOKUPS = st.lists(NAMES, min_size=1, max_size=4).map(lambda path: "{{ " + ".".join(path) + " }}")
LITERALS = st.text(alphabet=st.sampled_from(list("ab -\n.é")), max_size=6)
TEMPLATES = st.lists(st.one_of(LOOKUPS, LITERALS), max_size=5).map("".join)
CONTEXTS = st.dictionaries(
    st.sampled_from(["contact", "journey", "event"]),
    st.dictionaries(st.sampled_from(list("abxy")), VALUES, max_size=4),
)


@given(TEMPLATES, CONTEXTS)
def test_plain_lookups_render_exactly_as_jinja(text: str, context: dict[str, object]) -> None:
    expected = template_environment().from_string(text).render(context)

    assert _compiled(text).render(context) == expected


def test_plain_lookups_skip_jinja_and_anything_else_does_not() -> None:
    assert isinstance(_compiled("Hi {{ contact.first_name }}!"), _Lookups)
    assert isinstance(_compiled("{{- contact.attributes.plan -}}\n"), _Lookups)
    for text in ("{{ contact.items }}", "{{ range }}", "{{ x | upper }}", "{% if x %}y{% endif %}"):
        assert not isinstance(_compiled(text), _Lookups | _Verbatim), text
