"""ChatAnthropic tool calling and structured output against the fake Anthropic server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import BaseModel, Field
from tests.providers._streams import added, call, collect
from typing_extensions import TypedDict

from runnel.messages import AIMessageChunk
from runnel.providers.anthropic import ChatAnthropic, convert_to_anthropic_tool
from runnel.testing import FakeProviderServer, Reply, ToolCall
from runnel.tools import tool

pytestmark = pytest.mark.anyio

MODEL = "claude-haiku-4-5"


class GetWeather(BaseModel):
    """Get the current weather in a city."""

    city: str = Field(description="The city")


class Person(TypedDict):
    """A person."""

    name: str
    age: int


def get_time(timezone: str) -> str:
    """Get the time in a timezone.

    Args:
        timezone: An IANA timezone name.
    """
    return "noon"


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


WEATHER_TOOL = {
    "name": "GetWeather",
    "description": "Get the current weather in a city.",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "The city"}},
        "required": ["city"],
    },
}


@pytest.fixture
async def chat(server: FakeProviderServer) -> AsyncIterator[Any]:
    made: list[ChatAnthropic] = []

    def make(**kwargs: Any) -> ChatAnthropic:
        made.append(ChatAnthropic(model=MODEL, api_key="sk-test", base_url=server.url, **kwargs))
        return made[-1]

    yield make
    for model in made:
        await model.aclose()


# -- tool definitions --------------------------------------------------------------------------
def test_tools_of_every_kind_become_anthropic_tools() -> None:
    assert convert_to_anthropic_tool(GetWeather) == WEATHER_TOOL
    assert convert_to_anthropic_tool(WEATHER_TOOL) == WEATHER_TOOL
    assert convert_to_anthropic_tool(get_time) == {
        "name": "get_time",
        "description": "Get the time in a timezone.",
        "input_schema": {
            "type": "object",
            "properties": {"timezone": {"type": "string", "description": "An IANA timezone name."}},
            "required": ["timezone"],
        },
    }
    assert convert_to_anthropic_tool(add) == {
        "name": "add",
        "description": "Add two numbers.",
        "input_schema": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    }
    openai_tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    assert convert_to_anthropic_tool(openai_tool) == {
        "name": "f",
        "input_schema": {"type": "object"},
    }
    web_search = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}
    assert convert_to_anthropic_tool(web_search) == web_search
    assert convert_to_anthropic_tool(WEATHER_TOOL, strict=True)["strict"] is True


@pytest.mark.parametrize(
    ("choice", "parallel", "sent"),
    [
        ("auto", None, {"type": "auto"}),
        ("any", None, {"type": "any"}),
        ("required", None, {"type": "any"}),
        ("none", None, {"type": "none"}),
        ("GetWeather", None, {"type": "tool", "name": "GetWeather"}),
        ({"type": "tool", "name": "add"}, None, {"type": "tool", "name": "add"}),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
        ("any", True, {"type": "any", "disable_parallel_tool_use": False}),
    ],
)
async def test_bind_tools_sends_the_tools_and_the_choice(
    chat: Any, server: Any, choice: Any, parallel: bool | None, sent: dict[str, Any]
) -> None:
    server.push(Reply("ok"))
    model = chat().bind_tools(
        [GetWeather, get_time, add], tool_choice=choice, parallel_tool_calls=parallel
    )
    await model.ainvoke("hi")
    body = server.requests[-1].json
    assert [t["name"] for t in body["tools"]] == ["GetWeather", "get_time", "add"]
    assert body["tools"][0] == WEATHER_TOOL
    assert body["tool_choice"] == sent


async def test_without_a_choice_none_is_sent(chat: Any, server: Any) -> None:
    server.push(Reply("ok"))
    await chat().bind_tools([GetWeather]).ainvoke("hi")
    assert "tool_choice" not in server.requests[-1].json


# -- tool calls --------------------------------------------------------------------------------
async def test_streamed_tool_calls_add_up_to_complete_calls(
    chat: Any, server: Any, mode: str
) -> None:
    calls = [
        ToolCall("GetWeather", {"city": "Paris"}, id="toolu_01", pieces=4),
        ToolCall("get_time", {"timezone": "Europe/Paris"}, id="toolu_02", pieces=3),
    ]
    server.push(Reply("Let me check.", tool_calls=calls))
    model = chat().bind_tools([GetWeather, get_time])
    chunks = await collect(model, "weather and time in Paris?", mode)
    pieces = [tc for c in chunks for tc in c.tool_call_chunks]
    assert [p["index"] for p in pieces] == [1] * 6 + [2] * 5
    assert [(p["name"], p["id"]) for p in pieces if p["name"]] == [
        ("GetWeather", "toolu_01"),
        ("get_time", "toolu_02"),
    ]
    assert "".join(p["args"] or "" for p in pieces if p["index"] == 1) == '{"city": "Paris"}'
    total = added(chunks)
    assert total.tool_calls == [
        {"name": "GetWeather", "args": {"city": "Paris"}, "id": "toolu_01", "type": "tool_call"},
        {
            "name": "get_time",
            "args": {"timezone": "Europe/Paris"},
            "id": "toolu_02",
            "type": "tool_call",
        },
    ]
    assert total.content[0] == {"type": "text", "text": "Let me check.", "index": 0}
    assert total.content[1]["type"] == "tool_use"
    assert total.response_metadata["stop_reason"] == "tool_use"


async def test_tool_args_grow_while_they_stream(chat: Any, server: Any) -> None:
    server.push(Reply(tool_calls=[ToolCall("GetWeather", {"city": "Paris"}, pieces=4)]))
    seen: list[Any] = []
    total: AIMessageChunk | None = None
    async for chunk in chat().bind_tools([GetWeather]).astream("hi"):
        total = chunk if total is None else total + chunk
        if total.tool_calls:
            seen.append(total.tool_calls[0]["args"])
    assert seen[-1] == {"city": "Paris"}
    assert {} in seen and len(seen) > 2


async def test_invoke_returns_the_tool_calls(chat: Any, server: Any, mode: str) -> None:
    server.push(Reply("On it.", tool_calls=[ToolCall("add", {"a": 1, "b": 2}, id="toolu_7")]))
    answer = await call(chat().bind_tools([add]), "1+2?", mode)
    assert answer.tool_calls == [
        {"name": "add", "args": {"a": 1, "b": 2}, "id": "toolu_7", "type": "tool_call"}
    ]
    assert answer.content == [
        {"type": "text", "text": "On it."},
        {"type": "tool_use", "id": "toolu_7", "name": "add", "input": {"a": 1, "b": 2}},
    ]
    assert answer.response_metadata["stop_reason"] == "tool_use"


async def test_a_tool_without_arguments_gives_empty_args(chat: Any, server: Any) -> None:
    server.push(Reply(tool_calls=[ToolCall("ping", {}, id="toolu_3")]))
    chunks = [c async for c in chat().bind_tools([WEATHER_TOOL]).astream("hi")]
    assert added(chunks).tool_calls == [
        {"name": "ping", "args": {}, "id": "toolu_3", "type": "tool_call"}
    ]


# -- structured output -------------------------------------------------------------------------
async def test_structured_output_forces_the_tool_and_streams_partial_objects(
    chat: Any, server: Any, mode: str
) -> None:
    person = {"name": "Ada Lovelace", "age": 36}
    server.push(Reply(tool_calls=[ToolCall("Person", person, pieces=6)]))
    structured = chat().with_structured_output(Person)
    values = await collect(structured, "Who wrote the first program?", mode)
    assert values[-1] == person
    assert len(values) > 2
    assert all(isinstance(v, dict) for v in values)
    body = server.requests[-1].json
    assert body["tool_choice"] == {"type": "tool", "name": "Person"}
    assert body["tools"][0]["name"] == "Person"
    assert body["stream"] is True


async def test_structured_output_with_a_pydantic_model(chat: Any, server: Any, mode: str) -> None:
    server.push(Reply(tool_calls=[ToolCall("GetWeather", {"city": "Oslo"})]))
    result = await call(chat().with_structured_output(GetWeather), "weather in Oslo", mode)
    assert result == GetWeather(city="Oslo")


async def test_structured_output_json_schema_uses_output_config(
    chat: Any, server: Any, mode: str
) -> None:
    server.push(Reply(['{"name": "Ada', ' Lovelace", ', '"age": 36}']))
    values = await collect(chat().with_structured_output(Person, method="json_schema"), "?", mode)
    assert values[-1] == {"name": "Ada Lovelace", "age": 36}
    assert values[0] == {"name": "Ada"}
    body = server.requests[-1].json
    assert body["output_config"] == {
        "format": {
            "type": "json_schema",
            "schema": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                "required": ["name", "age"],
                "additionalProperties": False,
            },
        }
    }
    assert "response_format" not in body


async def test_json_mode_is_taken_as_json_schema_with_a_warning(chat: Any) -> None:
    with pytest.warns(UserWarning, match="no JSON mode"):
        chat().with_structured_output(Person, method="json_mode")
    with pytest.raises(ValueError, match="no JSON mode"):
        chat().with_structured_output(method="json_mode")
