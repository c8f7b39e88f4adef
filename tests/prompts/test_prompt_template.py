"""Tests for runnel.prompts._string and ._base: PromptTemplate and the prompt runnable."""

from __future__ import annotations

from typing import Any

import pytest

from runnel.prompt_values import StringPromptValue
from runnel.prompts import MissingVariableError, PromptTemplate, get_template_variables

pytestmark = pytest.mark.anyio

JOKE = PromptTemplate.from_template("Tell me a {adjective} joke about {content}.")


def test_input_variables_are_read_from_the_template_sorted() -> None:
    assert JOKE.input_variables == ["adjective", "content"]
    assert PromptTemplate(template="{b} {a} {b}").input_variables == ["a", "b"]
    assert get_template_variables("{b} {a}", "f-string") == ["a", "b"]
    assert get_template_variables("{{b}} {{#a}}{{c}}{{/a}}", "mustache") == ["a", "b"]


def test_format_fills_the_template_in() -> None:
    assert JOKE.format(adjective="funny", content="chickens") == (
        "Tell me a funny joke about chickens."
    )
    assert PromptTemplate.from_template("{{x}} {y}").format(y=1) == "{x} 1"


async def test_invoke_returns_a_string_prompt_value() -> None:
    value = JOKE.invoke({"adjective": "sad", "content": "cats", "ignored": 1})
    assert value == StringPromptValue(text="Tell me a sad joke about cats.")
    assert await JOKE.ainvoke({"adjective": "sad", "content": "cats"}) == value
    assert (await JOKE.aformat_prompt(adjective="sad", content="cats")) == value


async def test_a_single_variable_prompt_takes_a_bare_value() -> None:
    prompt = PromptTemplate.from_template("Hi {name}!")
    assert prompt.invoke("Ann").to_string() == "Hi Ann!"
    assert prompt.invoke(3).to_string() == "Hi 3!"
    with pytest.raises(
        TypeError, match=r"takes a dict of its variables \['adjective', 'content'\]"
    ):
        JOKE.invoke("chickens")


@pytest.mark.parametrize("call", ["invoke", "format"])
def test_a_missing_variable_is_a_key_error_naming_it(call: str) -> None:
    with pytest.raises(KeyError) as caught:
        if call == "invoke":
            JOKE.invoke({"adjective": "funny"})
        else:
            JOKE.format(adjective="funny")
    error = caught.value
    assert isinstance(error, MissingVariableError)
    assert error.missing == ["content"]
    assert str(error) == (
        "The input to PromptTemplate is missing the variable 'content': expected "
        "['adjective', 'content'], received ['adjective']. If {content} is meant as literal "
        "text, not a variable, double its braces: {{content}}."
    )


def test_every_missing_variable_is_named() -> None:
    with pytest.raises(MissingVariableError, match="missing the variables 'adjective', 'content'"):
        JOKE.invoke({})


def test_partial_fills_variables_with_values_or_functions() -> None:
    calls: list[int] = []

    def today() -> str:
        calls.append(1)
        return "Monday"

    prompt = PromptTemplate.from_template("{day}: {adjective} {content}").partial(day=today)
    assert prompt.input_variables == ["adjective", "content"]
    sad = prompt.partial(adjective="sad")
    assert sad.input_variables == ["content"]
    assert sad.format(content="x") == "Monday: sad x"
    assert sad.format(content="x", adjective="glad") == "Monday: glad x"
    assert calls == [1, 1]
    assert JOKE.input_variables == ["adjective", "content"]  # unchanged


def test_partial_variables_given_at_construction() -> None:
    prompt = PromptTemplate.from_template("{a}{b}", partial_variables={"b": "B"})
    assert prompt.input_variables == ["a"]
    assert prompt.invoke("A").to_string() == "AB"
    assert PromptTemplate(template="{a}{b}", input_variables=["a"], partial_variables={"b": 1})


def test_input_variables_that_contradict_the_template_are_refused() -> None:
    with pytest.raises(ValueError, match=r"do not match the template's variables \['a'\]"):
        PromptTemplate(template="{a}", input_variables=["a", "b"])


def test_templates_add_up() -> None:
    joined = JOKE + " Make it {length}."
    assert joined.template == "Tell me a {adjective} joke about {content}. Make it {length}."
    assert joined.input_variables == ["adjective", "content", "length"]
    both = PromptTemplate.from_template("{a}", partial_variables={"a": 1}) + PromptTemplate(
        template="{b}"
    )
    assert both.format(b=2) == "12"
    with pytest.raises(ValueError, match="Cannot add a mustache template"):
        JOKE + PromptTemplate.from_template("{{x}}", template_format="mustache")


def test_mustache_templates() -> None:
    prompt = PromptTemplate.from_template(
        "Hi {{name}}! {{#items}}[{{.}}]{{/items}} {{user.city}}", template_format="mustache"
    )
    assert prompt.input_variables == ["items", "name", "user"]
    text = prompt.format(name="<Ann>", items=[1, 2], user={"city": "Oslo"})
    assert text == "Hi &lt;Ann&gt;! [1][2] Oslo"
    with pytest.raises(MissingVariableError, match="missing the variable 'name'") as caught:
        prompt.invoke({"items": [], "user": {}})
    assert "double its braces" not in str(caught.value)


def test_jinja2_and_unknown_formats_are_refused() -> None:
    with pytest.raises(ValueError, match="jinja2 templates are not supported"):
        PromptTemplate.from_template("{{ x }}", template_format="jinja2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Unknown template format 'x'"):
        PromptTemplate(template="{a}", template_format="x")


def test_input_schema_has_one_required_string_per_variable() -> None:
    schema = JOKE.get_input_jsonschema()
    assert schema == {
        "properties": {
            "adjective": {"title": "Adjective", "type": "string"},
            "content": {"title": "Content", "type": "string"},
        },
        "required": ["adjective", "content"],
        "title": "PromptInput",
        "type": "object",
    }
    assert JOKE.partial(adjective="x").get_input_jsonschema()["required"] == ["content"]
    assert JOKE.input_schema.model_validate({"adjective": "a", "content": "b"})


def test_mustache_sections_are_typed_any() -> None:
    prompt = PromptTemplate.from_template("{{#xs}}{{.}}{{/xs}} {{n}}", template_format="mustache")
    properties = prompt.get_input_jsonschema()["properties"]
    assert properties["n"] == {"title": "N", "type": "string"}
    assert "type" not in properties["xs"]


def test_repr_shows_what_differs_from_the_defaults() -> None:
    assert repr(PromptTemplate.from_template("{a}")) == (
        "PromptTemplate(input_variables=['a'], template='{a}')"
    )


async def test_a_prompt_is_a_barrier_streaming_one_value(collect_prompt: Any) -> None:
    assert not JOKE.streams_input
    out = await collect_prompt(JOKE, {"adjective": "odd", "content": "owls"})
    assert out == [StringPromptValue(text="Tell me a odd joke about owls.")]


async def test_prompt_runs_are_reported_as_prompt_events() -> None:
    events = [
        (event["event"], event["data"])
        async for event in JOKE.astream_events({"adjective": "a", "content": "b"}, version="v2")
    ]
    assert [kind for kind, _ in events] == ["on_prompt_start", "on_prompt_end"]
    assert events[0][1] == {"input": {"adjective": "a", "content": "b"}}
    assert events[1][1]["output"] == StringPromptValue(text="Tell me a a joke about b.")
