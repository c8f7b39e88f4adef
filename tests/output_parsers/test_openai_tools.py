"""Tests for runnel.output_parsers.openai_tools (and the ToolCallStream core)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

from runnel.exceptions import OutputParserException
from runnel.messages import AIMessage, AIMessageChunk, HumanMessage
from runnel.output_parsers import (
    JsonOutputKeyToolsParser,
    JsonOutputToolsParser,
    PydanticToolsParser,
)
from runnel.output_parsers._tool_calls import ToolCallStream
from runnel.outputs import ChatGeneration, Generation

pytestmark = pytest.mark.anyio


def piece(name: str | None, args: str | None, id: str | None, index: int | None) -> AIMessageChunk:
    return AIMessageChunk(
        "", tool_call_chunks=[{"name": name, "args": args, "id": id, "index": index}]
    )


# A model answering with some text, then two tool calls streamed in pieces.
STREAM = [
    AIMessageChunk("Let me compute."),
    piece("add", "", "c1", 0),
    piece(None, '{"a": ', None, 0),
    piece(None, '1, "b": "x', None, 0),
    piece(None, 'yz"}', None, 0),
    piece("mul", '{"q"', "c2", 1),
    piece(None, ": 2}", None, 1),
]
ADD_X = {"a": 1, "b": "x"}
ADD = {"a": 1, "b": "xyz"}


class add(BaseModel):  # tools are named like their functions
    a: int
    b: str = "d"


class Multiply(BaseModel):
    model_config = ConfigDict(title="mul")
    q: int


def merged(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


async def test_streams_the_calls_so_far_each_time_they_change(collect: Any) -> None:
    assert await collect(JsonOutputToolsParser(), STREAM) == [
        [],
        [{"args": {}, "type": "add"}],
        [{"args": ADD_X, "type": "add"}],
        [{"args": ADD, "type": "add"}],
        [{"args": ADD, "type": "add"}, {"args": {}, "type": "mul"}],
        [{"args": ADD, "type": "add"}, {"args": {"q": 2}, "type": "mul"}],
    ]


async def test_return_id_adds_each_calls_id(collect: Any) -> None:
    out = await collect(JsonOutputToolsParser(return_id=True), STREAM)
    assert out[-1] == [
        {"args": ADD, "id": "c1", "type": "add"},
        {"args": {"q": 2}, "id": "c2", "type": "mul"},
    ]


async def test_first_tool_only_streams_the_first_call(collect: Any) -> None:
    out = await collect(JsonOutputToolsParser(first_tool_only=True), STREAM)
    # As in LangChain, "no tool calls yet" is [] even with first_tool_only.
    assert out == [
        [],
        {"args": {}, "type": "add"},
        {"args": ADD_X, "type": "add"},
        {"args": ADD, "type": "add"},
    ]


async def test_key_parser_streams_the_args_of_one_tool(collect: Any) -> None:
    assert await collect(JsonOutputKeyToolsParser(key_name="mul"), STREAM) == [
        [],
        [{}],
        [{"q": 2}],
    ]
    first = JsonOutputKeyToolsParser(key_name="add", first_tool_only=True)
    assert await collect(first, STREAM) == [{}, ADD_X, ADD]
    with_id = JsonOutputKeyToolsParser(key_name="mul", first_tool_only=True, return_id=True)
    assert (await collect(with_id, STREAM))[-1] == {"args": {"q": 2}, "id": "c2", "type": "mul"}


async def test_pydantic_parser_streams_calls_that_validate(collect: Any) -> None:
    parser = PydanticToolsParser(tools=[add, Multiply])
    assert await collect(parser, STREAM) == [
        [],
        [add(a=1, b="x")],
        [add(a=1, b="xyz")],
        [add(a=1, b="xyz"), Multiply(q=2)],
    ]
    first = PydanticToolsParser(tools=[add, Multiply], first_tool_only=True)
    assert await collect(first, STREAM) == [add(a=1, b="x"), add(a=1, b="xyz")]


async def test_pydantic_parser_validates_the_final_calls(collect: Any) -> None:
    chunks = [piece("mul", '{"q": "many"}', "c1", 0)]
    with pytest.raises(OutputParserException, match="do not fit Multiply") as caught:
        await collect(PydanticToolsParser(tools=[Multiply]), chunks)
    assert json.loads(caught.value.llm_output or "") == {"q": "many"}
    message = AIMessage("", tool_calls=[{"name": "mul", "args": {"q": "many"}, "id": "c1"}])
    with pytest.raises(OutputParserException, match="do not fit Multiply"):
        PydanticToolsParser(tools=[Multiply]).invoke(message)


async def test_pydantic_parser_refuses_unknown_tools(collect: Any) -> None:
    with pytest.raises(OutputParserException, match="Unknown tool 'div'; the tools are: 'add'"):
        await collect(PydanticToolsParser(tools=[add]), [piece("div", "{}", "c1", 0)])


async def test_invoke_reads_the_messages_tool_calls() -> None:
    message = merged(STREAM)
    assert JsonOutputToolsParser().invoke(message) == [
        {"args": ADD, "type": "add"},
        {"args": {"q": 2}, "type": "mul"},
    ]
    whole = AIMessage("", tool_calls=[{"name": "mul", "args": {"q": 3}, "id": "c9"}])
    assert await JsonOutputKeyToolsParser(key_name="mul").ainvoke(whole) == [{"q": 3}]
    assert PydanticToolsParser(tools=[Multiply], first_tool_only=True).invoke(whole) == Multiply(
        q=3
    )
    parsed = JsonOutputToolsParser(return_id=True).parse_result([ChatGeneration(message=whole)])
    assert parsed == [{"args": {"q": 3}, "id": "c9", "type": "mul"}]


async def test_messages_without_tool_calls() -> None:
    text_only = AIMessage("no tools")
    assert JsonOutputToolsParser().invoke(text_only) == []
    assert JsonOutputToolsParser(first_tool_only=True).invoke(text_only) == []
    assert JsonOutputKeyToolsParser(key_name="x").invoke(text_only) == []
    assert JsonOutputKeyToolsParser(key_name="x", first_tool_only=True).invoke(text_only) is None
    assert PydanticToolsParser(tools=[add], first_tool_only=True).invoke(text_only) is None
    assert JsonOutputToolsParser().invoke(HumanMessage("hi")) == []


async def test_text_is_refused(collect: Any) -> None:
    with pytest.raises(OutputParserException, match="reads the tool calls of a chat model"):
        await collect(JsonOutputToolsParser(), ["text"])
    with pytest.raises(OutputParserException, match="got text"):
        JsonOutputToolsParser().parse_result([Generation(text="x")])
    with pytest.raises(NotImplementedError):
        JsonOutputToolsParser().parse("x")


def test_diff_is_refused() -> None:
    with pytest.raises(ValidationError, match="does not support diff"):
        JsonOutputToolsParser(diff=True)


async def test_pieces_merge_by_index_unless_their_ids_differ(collect: Any) -> None:
    chunks = [
        piece("add", '{"a": 1}', "c1", 0),
        piece("mul", '{"q": 3}', "c2", 0),  # same index, another id: a new call
        piece(None, "", None, 0),  # continues the last call with index 0
        piece("add", '{"a": 2}', None, None),  # no index: a call of its own
        piece("add", '{"a": 3}', None, None),
    ]
    out = await collect(JsonOutputToolsParser(), chunks)
    assert out[-1] == [
        {"args": {"a": 1}, "type": "add"},
        {"args": {"q": 3}, "type": "mul"},
        {"args": {"a": 2}, "type": "add"},
        {"args": {"a": 3}, "type": "add"},
    ]
    assert out[-1] == JsonOutputToolsParser().invoke(merged(chunks))


async def test_calls_whose_args_cannot_be_an_object_are_dropped(collect: Any) -> None:
    chunks = [
        piece("add", '{"a": 1', "c1", 0),
        piece(None, "}}", None, 0),  # invalid JSON: the call disappears
        piece("mul", "[1, 2]", "c2", 1),  # not an object: never shown
        piece("add", '{"a": 2}', "c3", 2),
    ]
    assert await collect(JsonOutputToolsParser(), chunks) == [
        [{"args": {"a": 1}, "type": "add"}],
        [],
        [{"args": {"a": 2}, "type": "add"}],
    ]
    final = merged(chunks)
    assert JsonOutputToolsParser().invoke(final) == [{"args": {"a": 2}, "type": "add"}]


async def test_an_id_streamed_late_is_shown_only_with_return_id(collect: Any) -> None:
    chunks = [piece("add", '{"a": 1}', None, 0), piece(None, "", "late", 0)]
    assert await collect(JsonOutputToolsParser(), chunks) == [[{"args": {"a": 1}, "type": "add"}]]
    assert await collect(JsonOutputToolsParser(return_id=True), chunks) == [
        [{"args": {"a": 1}, "id": None, "type": "add"}],
        [{"args": {"a": 1}, "id": "late", "type": "add"}],
    ]


def test_arguments_are_parsed_in_linear_time() -> None:
    args = json.dumps({"text": "x" * 5000, "items": list(range(500))})
    calls = ToolCallStream(track_ids=False)
    calls.feed(piece("add", "", "c1", 0))
    for char in args:
        calls.feed(piece(None, char, None, 0))
    calls.close()
    (call,) = calls.calls
    assert call.args == json.loads(args)
    json_stream = call._json
    assert json_stream is not None
    assert json_stream.scanned <= 3 * len(args)


arguments = st.dictionaries(
    st.text(max_size=5),
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.lists(st.integers()),
    max_size=5,
)


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=arguments, size=st.integers(1, 6))
async def test_any_chunking_of_the_arguments_ends_with_them(
    collect: Any, args: dict[str, Any], size: int
) -> None:
    text = json.dumps(args)
    chunks = [piece("add", "", "c1", 0)]
    chunks += [piece(None, text[i : i + size], None, 0) for i in range(0, len(text), size)]
    out = await collect(JsonOutputToolsParser(), chunks)
    assert out[-1] == [{"args": args, "type": "add"}]
    assert JsonOutputToolsParser().invoke(merged(chunks)) == out[-1]
