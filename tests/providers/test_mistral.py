"""`ChatMistralAI` against the fake Mistral server, through the official ``mistralai`` SDK."""

from __future__ import annotations

import asyncio
import gc
import importlib
import inspect
import json
import logging
import re
import sys
from typing import Any

import anyio
import pytest
from pydantic import BaseModel

import runnel.providers.mistralai
from runnel.chat_models import init_chat_model
from runnel.exceptions import (
    IncompleteStreamError,
    MissingAPIKeyError,
    ProviderError,
    ProviderTimeout,
)
from runnel.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    add_ai_message_chunks,
)
from runnel.providers.mistralai import ChatMistralAI
from runnel.testing import FakeProviderServer, Reply, ToolCall, Usage
from runnel.tools import tool

pytestmark = pytest.mark.anyio

KEY = "mi-secret-2b8e4d60"


@pytest.fixture
def server():
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
async def make(server, monkeypatch):
    """Build models on the fake server; their connections are closed after the test."""
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    monkeypatch.delenv("MISTRAL_BASE_URL", raising=False)
    made: list[ChatMistralAI] = []

    def make(**options: Any) -> ChatMistralAI:
        if not {"api_key", "mistral_api_key"} & options.keys():
            options["api_key"] = KEY
        if not {"base_url", "endpoint"} & options.keys():
            options["base_url"] = server.url + "/mistral"
        made.append(ChatMistralAI(**options))
        return made[-1]

    yield make
    for model in made:
        await model.aclose()


@pytest.fixture
def model(make):
    return make(model="mistral-large-latest", temperature=0.3, max_tokens=256, max_retries=2)


@pytest.fixture(params=["sync", "async"])
def mode(request):
    return request.param


async def collect(runnable: Any, input: Any, mode: str) -> tuple[list[Any], Exception | None]:
    """The chunks `runnable` streams, and the error that ended the stream if any."""
    chunks: list[Any] = []
    try:
        if mode == "sync":
            for chunk in runnable.stream(input):
                chunks.append(chunk)
        else:
            async for chunk in runnable.astream(input):
                chunks.append(chunk)
    except Exception as error:
        return chunks, error
    return chunks, None


async def invoke(runnable: Any, input: Any, mode: str) -> Any:
    if mode == "sync":
        return runnable.invoke(input)
    return await runnable.ainvoke(input)


async def test_exports():
    public = {
        name
        for name, value in vars(runnel.providers.mistralai).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert sorted(runnel.providers.mistralai.__all__) == sorted(public) == ["ChatMistralAI"]


# -- streaming and invoking ---------------------------------------------------------------
async def test_stream_yields_each_token_then_usage_and_metadata(server, model, mode):
    server.push(Reply("The sky is blue", usage=Usage(input_tokens=12)))
    chunks, error = await collect(model, "what color is the sky?", mode)
    assert error is None
    assert [c.content for c in chunks] == ["The", " sky", " is", " blue", ""]
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    last = chunks[-1]
    assert last.chunk_position == "last"
    usage = {"input_tokens": 12, "output_tokens": 4, "total_tokens": 16}
    assert last.usage_metadata == usage
    assert last.response_metadata == {
        "model_name": "mistral-large-latest",
        "finish_reason": "stop",
        "model_provider": "mistralai",
    }
    whole = add_ai_message_chunks(*chunks)
    assert whole.content == "The sky is blue"
    assert whole.usage_metadata == usage
    request = server.requests[-1]
    assert request.path == "/mistral/v1/chat/completions"
    assert request.json["stream"] is True
    assert request.headers["accept"] == "text/event-stream"


async def test_invoke_uses_the_non_streamed_call(server, model, mode):
    server.push(Reply("Paris is the capital", usage=Usage(input_tokens=7), model="mistral-x"))
    answer = await invoke(model, "capital of France?", mode)
    assert isinstance(answer, AIMessage)
    assert answer.content == "Paris is the capital"
    assert answer.usage_metadata == {"input_tokens": 7, "output_tokens": 4, "total_tokens": 11}
    assert answer.response_metadata["finish_reason"] == "stop"
    assert answer.response_metadata["model_name"] == "mistral-x"  # as the server reports it
    assert server.requests[-1].json["stream"] is False


async def test_batch(server, model, mode):
    server.push("one", "two")
    inputs = ["first", "second"]
    answers = model.batch(inputs) if mode == "sync" else await model.abatch(inputs)
    assert sorted(a.content for a in answers) == ["one", "two"]
    assert len(server.requests) == 2


async def test_request_carries_every_kind_of_message(server, model):
    server.push("done")
    messages = [
        SystemMessage("You are terse."),
        HumanMessage("What is 2 + 3?"),
        AIMessage(
            "Let me add.", tool_calls=[{"name": "add", "args": {"a": 2, "b": 3}, "id": "toolu_9"}]
        ),
        ToolMessage("5", tool_call_id="toolu_9", name="add"),
        AIMessage("It is 5."),
        HumanMessage([{"type": "text", "text": "And "}, "twice that?"]),
    ]
    model.invoke(messages, stop=["\n\n"])
    body = server.requests[-1].json
    call_id = body["messages"][2]["tool_calls"][0]["id"]
    assert re.fullmatch(r"[a-zA-Z0-9]{9}", call_id)  # Mistral's id format
    assert body == {
        "model": "mistral-large-latest",
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "What is 2 + 3?"},
            {
                "role": "assistant",
                "content": "",  # Mistral takes text or tool calls, not both
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": "add", "arguments": '{"a": 2, "b": 3}'},
                        "index": 0,
                    }
                ],
                "prefix": False,
            },
            {"role": "tool", "content": "5", "tool_call_id": call_id, "name": "add"},
            {"role": "assistant", "content": "It is 5.", "prefix": False},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "And "},
                    {"type": "text", "text": "twice that?"},
                ],
            },
        ],
        "temperature": 0.3,
        "top_p": 1.0,
        "max_tokens": 256,
        "stop": ["\n\n"],
        "stream": False,
    }
    assert server.requests[-1].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
async def test_base_url_with_or_without_v1(server, make, suffix):
    model = make(base_url=server.url + "/mistral" + suffix)
    server.push("ok")
    assert model.invoke("x").content == "ok"
    assert server.requests[-1].path == "/mistral/v1/chat/completions"


async def test_endpoint_alias_and_environment_base_url(server, make, monkeypatch):
    server.push("a", "b")
    assert make(endpoint=server.url + "/mistral/v1").invoke("x").content == "a"
    monkeypatch.setenv("MISTRAL_BASE_URL", server.url + "/mistral/v1")
    assert make(base_url=None).invoke("x").content == "b"


# -- tools and structured output -----------------------------------------------------------
class GetWeather(BaseModel):
    """Get the current weather in a city."""

    city: str


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: The first.
        b: The second.
    """
    return a + b


@tool
def search(query: str) -> str:
    """Search the web."""
    return query


RAW_TOOL = {
    "type": "function",
    "function": {
        "name": "lookup",
        "description": "Look a word up.",
        "parameters": {"type": "object", "properties": {"word": {"type": "string"}}},
    },
}


async def test_bind_tools_streams_whole_calls_that_add_up(server, model, mode):
    server.push(
        Reply(
            "Checking.",
            tool_calls=[
                ToolCall("GetWeather", {"city": "Paris"}, id="aB3dE5gH7"),
                ToolCall("add", {"a": 1, "b": 2}, id="zY9xW7vU5"),
            ],
        )
    )
    bound = model.bind_tools([GetWeather, add, search, RAW_TOOL], tool_choice="GetWeather")
    chunks, error = await collect(bound, "weather in Paris?", mode)
    assert error is None
    pieces = [piece for c in chunks for piece in c.tool_call_chunks]
    assert [(p["name"], p["index"]) for p in pieces] == [("GetWeather", 0), ("add", 1)]
    whole = add_ai_message_chunks(*chunks)
    assert whole.content == "Checking."
    assert whole.tool_calls == [
        {"name": "GetWeather", "args": {"city": "Paris"}, "id": "aB3dE5gH7", "type": "tool_call"},
        {"name": "add", "args": {"a": 1, "b": 2}, "id": "zY9xW7vU5", "type": "tool_call"},
    ]
    assert whole.response_metadata["finish_reason"] == "tool_calls"
    body = server.requests[-1].json
    assert body["tool_choice"] == {"type": "function", "function": {"name": "GetWeather"}}
    names = [t["function"]["name"] for t in body["tools"]]
    assert names == ["GetWeather", "add", "search", "lookup"]
    assert body["tools"][0] == {
        "type": "function",
        "function": {
            "name": "GetWeather",
            "description": "Get the current weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }


async def test_tool_calls_from_invoke(server, model, mode):
    server.push(Reply(tool_calls=[ToolCall("search", {"query": "runnel"}, id="c1c2c3c4c")]))
    answer = await invoke(model.bind_tools([search]), "find runnel", mode)
    assert answer.tool_calls == [
        {"name": "search", "args": {"query": "runnel"}, "id": "c1c2c3c4c", "type": "tool_call"}
    ]
    assert "tool_choice" not in server.requests[-1].json


@pytest.mark.parametrize(("choice", "sent"), [("any", "any"), ("none", "none"), (True, "any")])
async def test_tool_choice_words(server, model, choice, sent):
    server.push("ok")
    model.bind_tools([search], tool_choice=choice).invoke("x")
    assert server.requests[-1].json["tool_choice"] == sent


async def test_structured_output_defaults_to_function_calling(server, model, mode):
    server.push(Reply(tool_calls=[ToolCall("GetWeather", {"city": "Oslo"})]))
    structured = model.with_structured_output(GetWeather)
    assert await invoke(structured, "weather?", mode) == GetWeather(city="Oslo")
    body = server.requests[-1].json
    assert body["tool_choice"] == {"type": "function", "function": {"name": "GetWeather"}}


WEATHER_SCHEMA = {
    "title": "Weather",
    "description": "The weather in a city.",
    "type": "object",
    "properties": {"city": {"type": "string"}, "degrees": {"type": "integer"}},
    "required": ["city", "degrees"],
}


async def test_structured_output_as_json_schema_streams_partial_objects(server, model, mode):
    server.push(Reply(['{"city', '": "Par', 'is", "deg', 'rees": 2', "1}"]))
    structured = model.with_structured_output(WEATHER_SCHEMA, method="json_schema")
    chunks, error = await collect(structured, "weather?", mode)
    assert error is None
    assert chunks[0] == {}
    assert {"city": "Par"} in chunks
    assert chunks[-1] == {"city": "Paris", "degrees": 21}
    body = server.requests[-1].json
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "Weather",
            "description": "The weather in a city.",
            "schema": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "degrees": {"type": "integer"}},
                "required": ["city", "degrees"],
            },
        },
    }


# -- tracing metadata and keys -------------------------------------------------------------
async def test_events_carry_the_standard_tracing_metadata(server, model):
    server.push("Hi there")
    events = [e async for e in model.astream_events("hello", version="v2")]
    start = next(e for e in events if e["event"] == "on_chat_model_start")
    assert {k: v for k, v in start["metadata"].items() if k.startswith("ls_")} == {
        "ls_provider": "mistral",
        "ls_model_name": "mistral-large-latest",
        "ls_model_type": "chat",
        "ls_temperature": 0.3,
        "ls_max_tokens": 256,
    }
    streamed = [e["data"]["chunk"].content for e in events if e["event"] == "on_chat_model_stream"]
    assert streamed == ["Hi", " there", ""]
    end = next(e for e in events if e["event"] == "on_chat_model_end")
    assert end["data"]["output"].usage_metadata["output_tokens"] == 2


async def test_key_from_the_environment(server, make, monkeypatch):
    monkeypatch.setenv("MISTRAL_API_KEY", "from-env")
    server.push("ok", "ok")
    make(api_key=None).invoke("x")
    assert server.requests[-1].headers["authorization"] == "Bearer from-env"
    make(mistral_api_key="alias-key").invoke("x")
    assert server.requests[-1].headers["authorization"] == "Bearer alias-key"


async def test_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="MISTRAL_API_KEY"):
        ChatMistralAI()


async def test_the_key_never_shows(server, model, caplog):
    caplog.set_level(logging.DEBUG)
    assert KEY not in repr(model) and KEY not in str(model)
    assert KEY not in json.dumps(model.model_dump(), default=str)
    server.push("Hi there")
    events = [e async for e in model.astream_events("hello", version="v2")]
    assert KEY not in repr(events)
    server.push(Reply(status=401, error_message="Unauthorized"))
    with pytest.raises(ProviderError) as caught:
        model.invoke("x")
    error = caught.value
    assert error.status_code == 401 and "Unauthorized" in str(error)
    for text in (str(error), repr(error), repr(error.body), str(error.__cause__)):
        assert KEY not in text
    assert KEY not in caplog.text


# -- failures --------------------------------------------------------------------------------
async def test_incomplete_stream_raises_after_the_chunks(server, model, mode):
    server.push(Reply("one two three", terminal=False))
    chunks, error = await collect(model, "count", mode)
    assert [c.content for c in chunks] == ["one", " two", " three"]
    assert isinstance(error, IncompleteStreamError)
    assert error.partial.content == "one two three"


async def test_429_and_5xx_are_retried_honouring_retry_after(server, model, mode):
    server.push(Reply(status=429, retry_after=0.01), Reply(status=503, retry_after=0.01), "made it")
    chunks, error = await collect(model, "x", mode)
    assert error is None
    assert "".join(c.content for c in chunks) == "made it"
    assert len(server.requests) == 3


async def test_retries_are_bounded_then_the_providers_message_surfaces(server, model, mode):
    slow_down = Reply(status=429, retry_after=0.01, error_message="Requests rate limit exceeded")
    server.push(slow_down, slow_down, slow_down, "never sent")
    with pytest.raises(ProviderError) as caught:
        await invoke(model, "x", mode)
    assert caught.value.status_code == 429
    assert "Requests rate limit exceeded" in str(caught.value)
    assert len(server.requests) == 3  # the first try and max_retries=2


@pytest.mark.parametrize("status", [400, 422])
async def test_4xx_surfaces_the_message_without_retrying(server, model, mode, status):
    server.push(Reply(status=status, error_message="Invalid model: nope"), "not reached")
    chunks, error = await collect(model, "x", mode)
    assert chunks == []
    assert isinstance(error, ProviderError)
    assert error.status_code == status and "Invalid model: nope" in str(error)
    assert len(server.requests) == 1


async def test_timeout(server, make, mode):
    slow = make(timeout=0.05, max_retries=0)
    server.push(Reply("late", first_byte_delay=1.0))
    chunks, error = await collect(slow, "x", mode)
    assert chunks == [] and isinstance(error, ProviderTimeout)


async def test_error_mid_stream_keeps_what_was_delivered(server, model, mode):
    server.push(Reply("a b c d e", error_after=2))
    chunks, error = await collect(model, "x", mode)
    assert [c.content for c in chunks] == ["a", " b"]
    assert isinstance(error, ProviderError) and "finish_reason 'error'" in str(error)
    assert error.partial.content == "a b"
    assert len(server.requests) == 1  # never retried once chunks were delivered


async def test_dropped_connection_mid_stream(server, model, mode):
    server.push(Reply("a b c d e", drop_after=3), "not reached")
    chunks, error = await collect(model, "x", mode)
    assert [c.content for c in chunks] == ["a", " b", " c"]
    assert isinstance(error, ProviderError) and not isinstance(error, IncompleteStreamError)
    assert error.partial.content == "a b c"
    assert len(server.requests) == 1


# -- cancellation ----------------------------------------------------------------------------
SLOW = Reply("a b c d e f g h i j", delay=0.02)


async def test_break_closes_the_response(server, model):
    server.push(SLOW)
    for _chunk in model.stream("x"):
        break
    assert server.wait_for_disconnect().tokens_sent < 10


async def test_aclose_closes_the_response(server, model):
    server.push(SLOW)
    stream = model.astream("x")
    await stream.__anext__()
    await stream.aclose()
    assert (await server.await_disconnect()).tokens_sent < 10


async def test_task_cancellation_closes_the_response(server, model):
    server.push(SLOW)
    first = anyio.Event()

    async def consume():
        async for _chunk in model.astream("x"):
            first.set()

    async with anyio.create_task_group() as group:
        group.start_soon(consume)
        await first.wait()
        group.cancel_scope.cancel()
    assert (await server.await_disconnect()).tokens_sent < 10


async def test_init_chat_model(monkeypatch):
    monkeypatch.setenv("MISTRAL_API_KEY", "k")
    model = init_chat_model("mistral:mistral-small-latest", temperature=0)
    assert isinstance(model, ChatMistralAI) and model.model == "mistral-small-latest"
    assert isinstance(init_chat_model("mistral-large-latest"), ChatMistralAI)


async def test_a_missing_sdk_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "mistralai", None)  # what an uninstalled package looks like
    for module in [m for m in sys.modules if m.startswith("runnel.providers.mistralai")]:
        monkeypatch.delitem(sys.modules, module)
    with pytest.raises(ImportError, match=r'pip install "runnel\[mistralai\]"'):
        importlib.import_module("runnel.providers.mistralai")


def test_a_model_serves_one_event_loop_after_another(server):
    # Each asyncio.run is a new event loop: the model's async client must follow, and the
    # one of an ended loop must be closed with it (no unclosed socket left to the GC).
    model = ChatMistralAI(api_key=KEY, base_url=server.url + "/mistral")

    async def stream():
        return [chunk.content async for chunk in model.astream("x")]

    server.push("first", "second one")
    assert asyncio.run(model.ainvoke("x")).content == "first"
    assert asyncio.run(stream()) == ["second", " one", ""]
    asyncio.run(model.aclose())
    gc.collect()
