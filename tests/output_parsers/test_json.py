"""Tests for runnel.output_parsers._json: JsonOutputParser."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from runnel._core.json_patch import apply_patch
from runnel.exceptions import OutputParserException
from runnel.messages import AIMessage, AIMessageChunk
from runnel.output_parsers import JsonOutputParser, SimpleJsonOutputParser
from runnel.outputs import Generation

pytestmark = pytest.mark.anyio

COUNTRIES = {
    "countries": [
        {"name": "France", "population": 67413000},
        {"name": "Spain", "population": 47351567},
        {"name": "Japan", "population": 125584000},
    ]
}


def json_tokens(value: Any) -> list[str]:
    """Pretty-printed JSON cut like model tokens (numbers in groups of up to 3 digits)."""
    text = json.dumps(value, indent=1)
    tokens = re.findall(r'\s+|"|[A-Za-z_]+|\d{1,3}|[{}\[\],:]|.', text)
    assert "".join(tokens) == text
    return tokens


def split(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


async def test_streams_the_seed_countries_example_exactly(collect: Any) -> None:
    fr, es, jp = (dict(country) for country in COUNTRIES["countries"])
    chunks = [AIMessageChunk(token) for token in json_tokens(COUNTRIES)]
    assert await collect(JsonOutputParser(), chunks) == [
        {},
        {"countries": []},
        {"countries": [{}]},
        {"countries": [{"name": ""}]},
        {"countries": [{"name": "France"}]},
        {"countries": [{"name": "France", "population": 674}]},
        {"countries": [{"name": "France", "population": 674130}]},
        {"countries": [fr]},
        {"countries": [fr, {}]},
        {"countries": [fr, {"name": ""}]},
        {"countries": [fr, {"name": "Spain"}]},
        {"countries": [fr, {"name": "Spain", "population": 473}]},
        {"countries": [fr, {"name": "Spain", "population": 473515}]},
        {"countries": [fr, es]},
        {"countries": [fr, es, {}]},
        {"countries": [fr, es, {"name": ""}]},
        {"countries": [fr, es, {"name": "Japan"}]},
        {"countries": [fr, es, {"name": "Japan", "population": 125}]},
        {"countries": [fr, es, {"name": "Japan", "population": 125584}]},
        {"countries": [fr, es, jp]},
    ]


async def test_yields_only_when_the_value_changes(interleave: Any) -> None:
    log = await interleave(JsonOutputParser(), ["{", '"a"', ": ", "1", " ", "}", "\n"])
    assert log == [
        ("in", "{"),
        {},
        ("in", '"a"'),
        ("in", ": "),
        ("in", "1"),
        {"a": 1},
        ("in", " "),
        ("in", "}"),
        ("in", "\n"),
    ]


async def test_yielded_values_are_never_changed_afterwards(collect: Any) -> None:
    out = await collect(JsonOutputParser(), ['{"a": [1', ", 2", '], "b": {"c": "x', 'y"}}'])
    assert out == [
        {"a": [1]},
        {"a": [1, 2]},
        {"a": [1, 2], "b": {"c": "x"}},
        {"a": [1, 2], "b": {"c": "xy"}},
    ]


async def test_diff_mode_yields_json_patch_operations(collect: Any) -> None:
    out = await collect(JsonOutputParser(diff=True), ['{"a": [1', ', 2], "b": "x', 'y"}'])
    assert out[0] == [{"op": "replace", "path": "", "value": {"a": [1]}}]
    assert all(isinstance(ops, list) and ops for ops in out)
    document = None
    values = []
    for ops in out:
        document = apply_patch(document, ops)
        values.append(document)
    assert values == [{"a": [1]}, {"a": [1, 2], "b": "x"}, {"a": [1, 2], "b": "xy"}]


@pytest.mark.parametrize(
    "chunks",
    [
        ["```json\n", '{"a": 1}', "\n```"],
        ["Here it is:\n``", '`json\n{"a"', ": 1}\n`", "``\nHope this helps."],
        ["``", "`\n", '{"a": 1}', "```"],
        ['  \n {"a": 1}  \n'],
    ],
)
async def test_accepts_markdown_fences_and_prose_before_them(
    collect: Any, chunks: list[str]
) -> None:
    out = await collect(JsonOutputParser(), chunks)
    assert out[-1] == {"a": 1}
    assert JsonOutputParser().invoke("".join(chunks)) == {"a": 1}


async def test_invalid_json_fails_at_the_end_with_the_raw_output(collect: Any) -> None:
    parser = JsonOutputParser()
    values: list[Any] = []
    chunks = ['{"a": 1', ', "b": nope}']
    with pytest.raises(OutputParserException, match="Invalid JSON output") as caught:
        values.extend(await collect(parser, chunks))
    assert caught.value.llm_output == '{"a": 1, "b": nope}'
    with pytest.raises(OutputParserException) as invoked:
        parser.invoke('{"a": 1, "b": nope}')
    assert invoked.value.llm_output == '{"a": 1, "b": nope}'


async def test_values_before_an_error_are_delivered() -> None:
    chunks = ['{"a": 1', ', "b": ', "nope}"]
    seen: list[Any] = []
    with pytest.raises(OutputParserException):
        for value in JsonOutputParser().transform(iter(chunks)):
            seen.append(("sync", value))

    async def source() -> AsyncIterator[str]:
        for chunk in chunks:
            yield chunk

    with pytest.raises(OutputParserException):
        async for value in JsonOutputParser().atransform(source()):
            seen.append(("async", value))
    assert seen == [("sync", {"a": 1}), ("async", {"a": 1})]


@pytest.mark.parametrize("text", ["", "   ", "no json here", "```\n```"])
async def test_output_without_json_is_an_error(collect: Any, text: str) -> None:
    with pytest.raises(OutputParserException) as caught:
        await collect(JsonOutputParser(), [text])
    assert caught.value.llm_output == text


async def test_output_cut_short_is_completed(collect: Any) -> None:
    assert (await collect(JsonOutputParser(), ['{"a": [1, {"b": "x'])) == [{"a": [1, {"b": "x"}]}]
    assert JsonOutputParser().invoke('{"a": [1, {"b": "x') == {"a": [1, {"b": "x"}]}


async def test_invoke_parses_messages_and_generations() -> None:
    parser = JsonOutputParser()
    assert parser.invoke(AIMessage('{"x": [true, null]}')) == {"x": [True, None]}
    assert await parser.ainvoke('"just a string"') == "just a string"
    assert parser.parse("[1, 2.5]") == [1, 2.5]
    assert parser.parse_result([Generation(text="{")]) == {}


def test_parse_result_partial_returns_none_instead_of_raising() -> None:
    parser = JsonOutputParser()
    assert parser.parse_result([Generation(text="nope")], partial=True) is None
    assert parser.parse_result([Generation(text='{"a": 1')], partial=True) == {"a": 1}


def test_format_instructions_show_the_schema() -> None:
    class Movie(BaseModel):
        """A film."""

        title: str = Field(description="the title")
        year: int

    assert JsonOutputParser().get_format_instructions() == "Return a JSON object."
    text = JsonOutputParser(pydantic_object=Movie).get_format_instructions()
    schema = json.loads(text.split("```\n")[1].split("\n```")[0])
    assert schema["properties"]["title"]["description"] == "the title"
    assert schema["required"] == ["title", "year"]
    assert "title" not in schema and "type" not in schema


def test_simple_json_output_parser_is_the_same_class() -> None:
    assert SimpleJsonOutputParser is JsonOutputParser


async def test_a_subclass_with_its_own_parse_result_is_re_parsed(collect: Any) -> None:
    class Keys(JsonOutputParser):
        def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
            value = super().parse_result(result, partial=partial)
            return sorted(value) if isinstance(value, dict) else None

    assert await collect(Keys(), ['{"b": 1', ', "a": 2}']) == [["b"], ["a", "b"]]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=json_values, indent=st.sampled_from([None, 1]), size=st.integers(1, 7))
async def test_any_value_any_chunking_ends_with_the_whole_value(
    collect: Any, value: Any, indent: int | None, size: int
) -> None:
    text = json.dumps(value, indent=indent)
    out = await collect(JsonOutputParser(), split(text, size))
    assert out[-1] == json.loads(text)
    patches = await collect(JsonOutputParser(diff=True), split(text, size))
    document = None
    for ops in patches:
        document = apply_patch(document, ops)
    assert document == json.loads(text)
