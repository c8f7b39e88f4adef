"""Tests for runnel.output_parsers._pydantic: PydanticOutputParser."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from runnel.exceptions import OutputParserException
from runnel.messages import AIMessage
from runnel.output_parsers import PydanticOutputParser

pytestmark = pytest.mark.anyio


class Joke(BaseModel):
    setup: str
    punchline: str = ""
    rating: int | None = None


class Strict(BaseModel):
    name: str
    age: int


async def test_invoke_returns_a_validated_instance() -> None:
    parser = PydanticOutputParser(pydantic_object=Joke)
    text = '```json\n{"setup": "Why?", "punchline": "Because.", "rating": 3}\n```'
    assert parser.invoke(text) == Joke(setup="Why?", punchline="Because.", rating=3)
    assert await parser.ainvoke(AIMessage('{"setup": "s"}')) == Joke(setup="s")


def test_invalid_output_raises_with_the_json_as_llm_output() -> None:
    parser = PydanticOutputParser(pydantic_object=Strict)
    with pytest.raises(OutputParserException, match="Failed to parse Strict") as caught:
        parser.invoke('{"name": "Ann", "age": "old"}')
    assert json.loads(caught.value.llm_output or "") == {"name": "Ann", "age": "old"}
    with pytest.raises(OutputParserException, match="Invalid JSON"):
        parser.invoke("not json")


async def test_streams_partial_instances_that_validate(collect: Any) -> None:
    chunks = ['{"set', 'up": "Why', ' not?", "punch', 'line": "No', '"', "}"]
    out = await collect(PydanticOutputParser(pydantic_object=Joke), chunks)
    assert out == [
        Joke(setup="Why"),
        Joke(setup="Why not?"),
        Joke(setup="Why not?", punchline="No"),
    ]


async def test_partial_values_that_do_not_validate_are_skipped(collect: Any) -> None:
    chunks = ['{"name": "A', 'nn", "ag', 'e": 4', "2}"]
    out = await collect(PydanticOutputParser(pydantic_object=Strict), chunks)
    assert out == [Strict(name="Ann", age=4), Strict(name="Ann", age=42)]


async def test_the_final_value_must_validate(collect: Any) -> None:
    parser = PydanticOutputParser(pydantic_object=Strict)
    with pytest.raises(OutputParserException, match="Failed to parse Strict"):
        await collect(parser, ['{"name": ', '"Ann"}'])


def test_diff_is_refused() -> None:
    with pytest.raises(ValidationError, match="diff is not supported"):
        PydanticOutputParser(pydantic_object=Joke, diff=True)


def test_format_instructions_show_the_model_schema_and_output_type() -> None:
    parser = PydanticOutputParser(pydantic_object=Strict)
    text = parser.get_format_instructions()
    schema = json.loads(text.split("```\n")[1].split("\n```")[0])
    assert schema["required"] == ["name", "age"]
    assert parser.OutputType is Strict
