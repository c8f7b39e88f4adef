"""Tests for runnel.prompts._mustache: the safe Mustache renderer."""

from __future__ import annotations

from typing import Any

import pytest

from runnel.prompts import PromptTemplate
from runnel.prompts._mustache import compile_mustache


def render(template: str, **values: Any) -> str:
    return compile_mustache(template).render(values)


def test_variables_are_html_escaped_unless_raw() -> None:
    assert render("{{x}}|{{{x}}}|{{& x}}|{{ x }}", x='<b a="1">&') == (
        '&lt;b a=&quot;1&quot;&gt;&amp;|<b a="1">&|<b a="1">&|&lt;b a=&quot;1&quot;&gt;&amp;'
    )


def test_missing_and_false_values() -> None:
    assert render("[{{a}}|{{b}}|{{c}}|{{d}}|{{e}}]", b=0, c=False, d=None, e="") == ("[|0|False||]")


def test_sections_repeat_for_lists_and_enter_dicts() -> None:
    assert render("{{#xs}}<{{.}}>{{/xs}}", xs=[1, 2]) == "<1><2>"
    assert render("{{#u}}{{name}} is {{age}}{{/u}}", u={"name": "Ann", "age": 3}) == "Ann is 3"
    assert render("{{#items}}{{v}}-{{top}};{{/items}}", items=[{"v": 1}, {"v": 2}], top="T") == (
        "1-T;2-T;"
    )
    assert render("{{#flag}}yes{{/flag}}{{^flag}}no{{/flag}}", flag=True) == "yes"
    assert render("{{#flag}}yes{{/flag}}{{^flag}}no{{/flag}}", flag=[]) == "no"
    assert render("{{^missing}}none{{/missing}}") == "none"
    assert render("{{#s}}[{{.}}]{{/s}}", s="text") == "[text]"


def test_dotted_names_read_dicts_and_lists() -> None:
    data = {"b": {"c": "deep"}, "l": ["x", "y"]}
    assert render("{{a.b.c}} {{a.l.1}} {{a.l.9}} {{a.nope.c}}", a=data) == "deep y  "


def test_objects_are_never_inspected_or_called() -> None:
    class Obj:
        secret = "hunter2"

        def __str__(self) -> str:
            return "obj"

    called: list[bool] = []

    def spy(*args: Any) -> str:
        called.append(True)
        return "called"

    assert render("{{o.secret}}|{{o.__class__}}|{{o}}", o=Obj()) == "||obj"
    assert render("{{#f}}body{{/f}}", f=spy) == "body"
    assert render("{{f.__name__}}", f=spy) == ""
    assert called == []


def test_standalone_section_lines_are_removed() -> None:
    template = "Items:\n  {{#items}}\n  - {{name}}\n  {{/items}}\n{{! a comment }}\ndone"
    assert render(template, items=[{"name": "a"}, {"name": "b"}]) == "Items:\n  - a\n  - b\ndone"
    assert render("{{#x}}\n{{/x}}", x=True) == ""
    assert render("a {{#x}}b{{/x}} c\n", x=True) == "a b c\n"


def test_variables_are_the_top_level_names() -> None:
    template = compile_mustache("{{a}} {{b.c}} {{#d}}{{inner}}{{/d}} {{^e}}x{{/e}} {{.}} {{! c }}")
    assert template.variables == ("a", "b", "d", "e")
    assert template.structured == {"b", "d", "e"}


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{> partial}}", "partials"),
        ("{{=<% %>=}}", "changing delimiters"),
        ("{{#a}}x", "never closed"),
        ("{{#a}}{{/b}}", "closes nothing open"),
        ("{{/a}}", "closes nothing open"),
        ("{{x", "never closed"),
        ("{{}}", "no name"),
    ],
)
def test_unsupported_or_malformed_templates_are_refused(template: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compile_mustache(template)
    with pytest.raises(ValueError, match=message):
        PromptTemplate.from_template(template, template_format="mustache")
