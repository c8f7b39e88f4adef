"""Tests for runnel.prompts._fstring: f-string templates and their safety checks."""

from __future__ import annotations

import datetime as dt

import pytest

from runnel.prompts import PromptTemplate
from runnel.prompts._fstring import compile_fstring


def test_renders_variables_conversions_and_format_specs() -> None:
    template = compile_fstring("{name}|{name!r}|{n:>4}|{when:%Y}|{{literal}}|{ spaced }")
    assert template.variables == ("name", "n", "when", " spaced ")
    values = {"name": "Ann", "n": 7, "when": dt.date(2024, 5, 1), " spaced ": "ok"}
    assert template.render(values) == "Ann|'Ann'|   7|2024|{literal}|ok"


def test_renders_any_value_with_str() -> None:
    assert compile_fstring("{x}").render({"x": [1, {"a": None}]}) == "[1, {'a': None}]"


@pytest.mark.parametrize(
    "template",
    [
        "{x.__class__}",
        "{x.__class__.__init__.__globals__}",
        "{x[0]}",
        "{x['key']}",
        "{x.y}",
        "{x]}",
        "hello {user.password}",
    ],
)
def test_attribute_access_and_indexing_are_refused_at_construction(template: str) -> None:
    with pytest.raises(ValueError, match=r"attribute access \(\.\) and indexing"):
        compile_fstring(template)
    with pytest.raises(ValueError, match="not allowed in templates"):
        PromptTemplate.from_template(template)
    with pytest.raises(ValueError, match="not allowed in templates"):
        PromptTemplate(template=template)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{}", "positional field"),
        ("{0}", "positional field"),
        ("{x:{y}}", "nested field"),
        ("{x:{y.__class__}}", "nested field"),
        ("{x", "Invalid f-string template"),
        ("x}", "Invalid f-string template"),
        ("{x!z}", "Invalid f-string template|conversion"),
    ],
)
def test_malformed_templates_are_refused(template: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compile_fstring(template)


def test_rendering_never_reads_attributes() -> None:
    class Secret:
        password = "hunter2"

        def __str__(self) -> str:
            return "<secret>"

    assert compile_fstring("{s}").render({"s": Secret()}) == "<secret>"
