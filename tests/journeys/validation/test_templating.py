"""The shared template environment: syntax errors located, undefined renders empty, sandboxed."""

from __future__ import annotations

import pytest
from jinja2.sandbox import SecurityError

from core.templating import template_environment, template_syntax_error


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain text",
        "Hi {{ contact.first_name }}",
        "{{ contact.attributes.coupon | default('WELCOME') }}",
        "{% if contact.tags %}tagged{% endif %}",
        "{{ event.properties.items | length }}",
    ],
)
def test_good_templates_have_no_syntax_error(text: str) -> None:
    assert template_syntax_error(text) is None


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Hi {{ contact.first_name }", 1),
        ("one\ntwo {% if %}", 2),
        ("{{ x | shout }}", 1),
        ("{% for x in y %}", 1),
    ],
)
def test_bad_templates_report_their_line(text: str, line: int) -> None:
    problem = template_syntax_error(text)

    assert problem is not None
    assert problem.endswith(f"(line {line})")


def test_environment_is_shared_and_does_not_escape() -> None:
    environment = template_environment()

    assert environment is template_environment()
    assert environment.from_string("{{ x }}").render(x="<b>&</b>") == "<b>&</b>"


def test_undefined_variables_render_empty_at_any_depth() -> None:
    template = template_environment().from_string("[{{ contact.attributes.x.y }}{{ nope }}]")

    assert template.render(contact={"attributes": {}}) == "[]"


def test_sandbox_keeps_python_internals_out_of_reach() -> None:
    template = template_environment().from_string("{{ ''.__class__.__mro__ }}")

    assert template.render() == ""
    with pytest.raises(SecurityError):
        template_environment().from_string(
            "{{ ''.__class__.__mro__[1].__subclasses__() }}"
        ).render()


@pytest.mark.parametrize("text", ["{{ 9 ** 999999 }}", "{{ 'x' * 10000000 }}"])
def test_sandbox_refuses_runaway_arithmetic(text: str) -> None:
    with pytest.raises(SecurityError):
        template_environment().from_string(text).render()
