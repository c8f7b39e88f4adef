"""ChatOpenAI tool calling and structured output, streamed from the fake server."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field

from runnel.messages import AIMessageChunk
from runnel.providers.openai import ChatOpenAI
from runnel.testing import FakeProviderServer, Reply, ToolCall
from runnel.tools import tool

pytestmark = pytest.mark.anyio


def chat(server: FakeProviderServer, **kwargs: Any) -> ChatOpenAI:
    return ChatOpenAI(model="gpt-4o-mini", api_key="sk-test", base_url=server.url + "/v1", **kwargs)


class GetWeather(BaseModel):
    """Get the weather in a city."""

    city: str = Field(description="The city")
    unit: str = "C"


def local_time(tz: str) -> str:
    """The local time.

    Args:
        tz: An IANA time zone.
    """
    return "12:00"


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


RAW_TOOL = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search the web.",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
    },
}


@pytest.fixture(params=["sync", "async"])
def collect(request: pytest.FixtureRequest) -> Any:
    async def run(runnable: Any, input: Any) -> list[Any]:
        if request.param == "sync":
            return list(runnable.stream(input))
        return [chunk async for chunk in runnable.astream(input)]

    return run


async def test_bind_tools_sends_every_kind_of_tool_in_openai_format(
    server: FakeProviderServer,
) -> None:
    server.push("no tool needed")
    bound = chat(server).bind_tools(
        [GetWeather, local_time, add, RAW_TOOL], tool_choice="auto", parallel_tool_calls=False
    )
    await bound.ainvoke("hi")
    body = server.requests[-1].json
    assert body["tool_choice"] == "auto"
    assert body["parallel_tool_calls"] is False
    tools = {t["function"]["name"]: t for t in body["tools"]}
    assert set(tools) == {"GetWeather", "local_time", "add", "search"}
    assert all(t["type"] == "function" for t in body["tools"])
    weather = tools["GetWeather"]["function"]
    assert weather["description"] == "Get the weather in a city."
    assert weather["parameters"]["properties"]["city"] == {
        "type": "string",
        "description": "The city",
    }
    assert weather["parameters"]["required"] == ["city"]
    assert tools["local_time"]["function"]["parameters"]["properties"]["tz"]["description"] == (
        "An IANA time zone."
    )
    assert tools["add"]["function"]["parameters"]["required"] == ["a", "b"]
    assert tools["search"] == RAW_TOOL


@pytest.mark.parametrize(
    ("choice", "sent"),
    [
        ("GetWeather", {"type": "function", "function": {"name": "GetWeather"}}),
        ("any", "required"),
        (True, "required"),
        ("required", "required"),
        ("none", "none"),
        (
            {"type": "function", "function": {"name": "x"}},
            {"type": "function", "function": {"name": "x"}},
        ),
    ],
)
async def test_tool_choice_in_openai_format(
    server: FakeProviderServer, choice: Any, sent: Any
) -> None:
    server.push("ok")
    await chat(server).bind_tools([GetWeather], tool_choice=choice).ainvoke("hi")
    assert server.requests[-1].json["tool_choice"] == sent


def test_an_unknown_tool_choice_is_an_error() -> None:
    with pytest.raises(ValueError, match="tool_choice"):
        ChatOpenAI(api_key="k").bind_tools([GetWeather], tool_choice=3)  # type: ignore[arg-type]


async def test_strict_tools(server: FakeProviderServer) -> None:
    server.push("ok")
    await chat(server).bind_tools([GetWeather], strict=True).ainvoke("hi")
    function = server.requests[-1].json["tools"][0]["function"]
    assert function["strict"] is True
    assert function["parameters"]["additionalProperties"] is False


async def test_streamed_tool_call_deltas_add_up_to_complete_calls(
    server: FakeProviderServer, collect: Any
) -> None:
    calls = [
        ToolCall("GetWeather", {"city": "Paris", "unit": "F"}, id="call_a", pieces=4),
        ToolCall("local_time", {"tz": "Europe/Paris"}, id="call_b", pieces=3),
    ]
    server.push(Reply("Let me check.", tool_calls=calls))
    chunks: list[AIMessageChunk] = await collect(
        chat(server).bind_tools([GetWeather, local_time]), "weather and time?"
    )
    pieces = [c for c in chunks if c.tool_call_chunks]
    assert len(pieces) == 2 + 4 + 3  # a head per call, then the argument fragments
    assert {p.tool_call_chunks[0]["index"] for p in pieces} == {0, 1}
    heads = [p.tool_call_chunks[0] for p in pieces if p.tool_call_chunks[0]["id"]]
    assert [(h["id"], h["name"]) for h in heads] == [
        ("call_a", "GetWeather"),
        ("call_b", "local_time"),
    ]
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole = whole + chunk
    assert whole.content == "Let me check."
    assert whole.tool_calls == [
        {
            "name": "GetWeather",
            "args": {"city": "Paris", "unit": "F"},
            "id": "call_a",
            "type": "tool_call",
        },
        {"name": "local_time", "args": {"tz": "Europe/Paris"}, "id": "call_b", "type": "tool_call"},
    ]
    assert whole.response_metadata["finish_reason"] == "tool_calls"
    assert whole.usage_metadata is not None


async def test_invoke_parses_tool_calls(server: FakeProviderServer) -> None:
    server.push(Reply(tool_calls=[ToolCall("add", {"a": 1, "b": 2}, id="call_1")]))
    message = await chat(server).bind_tools([add]).ainvoke("1+2?")
    assert message.content == ""
    assert message.tool_calls == [
        {"name": "add", "args": {"a": 1, "b": 2}, "id": "call_1", "type": "tool_call"}
    ]
    assert message.response_metadata["finish_reason"] == "tool_calls"


# -- structured output -----------------------------------------------------------------------
class Person(BaseModel):
    """A person."""

    name: str = ""
    age: int | None = None


JSON_TOKENS = ['{"name": "', "Ada", " Love", 'lace", "age": ', "36", "}"]


async def test_structured_output_defaults_to_json_schema_and_streams_partial_objects(
    server: FakeProviderServer, collect: Any
) -> None:
    server.push(Reply(JSON_TOKENS))
    values = await collect(chat(server).with_structured_output(Person), "who?")
    body = server.requests[-1].json
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Person"
    assert "tools" not in body
    assert len(values) > 2
    assert values[-1] == Person(name="Ada Lovelace", age=36)
    assert Person(name="Ada") in values  # a partial object came first


async def test_structured_output_with_function_calling_streams_partial_objects(
    server: FakeProviderServer, collect: Any
) -> None:
    server.push(
        Reply(tool_calls=[ToolCall("Person", {"name": "Ada Lovelace", "age": 36}, pieces=6)])
    )
    model = chat(server).with_structured_output(Person, method="function_calling")
    values = await collect(model, "who?")
    body = server.requests[-1].json
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    assert body["tools"][0]["function"]["name"] == "Person"
    assert len(values) > 2
    assert values[-1] == Person(name="Ada Lovelace", age=36)


async def test_structured_output_json_mode(server: FakeProviderServer) -> None:
    server.push(Reply(['{"a"', ": 1}"]))
    result = await chat(server).with_structured_output(method="json_mode").ainvoke("json")
    assert result == {"a": 1}
    assert server.requests[-1].json["response_format"] == {"type": "json_object"}
