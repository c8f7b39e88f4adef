"""`ChatCohere` against the fake Cohere v2 chat server, through the official ``cohere`` SDK."""

from __future__ import annotations

import asyncio
import gc
import importlib
import inspect
import json
import logging
import sys
from typing import Any

import anyio
import pytest
from pydantic import BaseModel

import runnel.providers.cohere
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
from runnel.providers.cohere import ChatCohere
from runnel.testing import (
    FakeProviderServer,
    Frame,
    Reply,
    Response,
    Route,
    Stream,
    ToolCall,
    Usage,
    sse,
)
from runnel.tools import tool

pytestmark = pytest.mark.anyio

KEY = "co-secret-7f3a9c1e"


@pytest.fixture
def server():
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
async def make(server, monkeypatch):
    """Build models on the fake server; their connections are closed after the test."""
    monkeypatch.delenv("COHERE_API_KEY", raising=False)
    made: list[ChatCohere] = []

    def make(**options: Any) -> ChatCohere:
        if not {"api_key", "cohere_api_key"} & options.keys():
            options["api_key"] = KEY
        made.append(ChatCohere(**{"base_url": server.url, **options}))
        return made[-1]

    yield make
    for model in made:
        await model.aclose()


@pytest.fixture
def model(make):
    return make(model="command-r-plus", temperature=0.3, max_tokens=256, max_retries=2)


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
        for name, value in vars(runnel.providers.cohere).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert sorted(runnel.providers.cohere.__all__) == sorted(public) == ["ChatCohere"]


# -- streaming and invoking ---------------------------------------------------------------
async def test_stream_yields_each_token_then_usage_and_metadata(server, model, mode):
    server.push(Reply("The sky is blue", usage=Usage(input_tokens=12, cache_read_tokens=4)))
    chunks, error = await collect(model, "what color is the sky?", mode)
    assert error is None
    assert [c.content for c in chunks] == ["The", " sky", " is", " blue", ""]
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    last = chunks[-1]
    assert last.chunk_position == "last"
    usage = {
        "input_tokens": 12,
        "output_tokens": 4,
        "total_tokens": 16,
        "input_token_details": {"cache_read": 4},
    }
    assert last.usage_metadata == usage
    assert last.response_metadata["finish_reason"] == "COMPLETE"
    assert last.response_metadata["model_name"] == "command-r-plus"
    assert last.response_metadata["billed_units"] == {"input_tokens": 12, "output_tokens": 4}
    whole = add_ai_message_chunks(*chunks)
    assert whole.content == "The sky is blue"
    assert whole.usage_metadata == usage
    body = server.requests[-1].json
    assert body["stream"] is True
    assert server.requests[-1].path == "/v2/chat"


async def test_invoke_uses_the_non_streamed_call(server, model, mode):
    server.push(Reply("Paris is the capital", usage=Usage(input_tokens=7)))
    answer = await invoke(model, "capital of France?", mode)
    assert isinstance(answer, AIMessage)
    assert answer.content == "Paris is the capital"
    assert answer.usage_metadata == {"input_tokens": 7, "output_tokens": 4, "total_tokens": 11}
    assert answer.response_metadata["finish_reason"] == "COMPLETE"
    assert answer.response_metadata["model_name"] == "command-r-plus"
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
        AIMessage("", tool_calls=[{"name": "add", "args": {"a": 2, "b": 3}, "id": "call_9"}]),
        ToolMessage("5", tool_call_id="call_9"),
        AIMessage("It is 5."),
        HumanMessage([{"type": "text", "text": "And "}, "twice that?"]),
    ]
    model.invoke(messages, stop=["\n\n"])
    assert server.requests[-1].json == {
        "model": "command-r-plus",
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "What is 2 + 3?"},
            {
                "role": "assistant",
                "tool_plan": "I will assist you using the tools provided.",
                "tool_calls": [
                    {
                        "id": "call_9",
                        "type": "function",
                        "function": {"name": "add", "arguments": '{"a": 2, "b": 3}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_9", "content": "5"},
            {"role": "assistant", "content": "It is 5."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "And "},
                    {"type": "text", "text": "twice that?"},
                ],
            },
        ],
        "temperature": 0.3,
        "max_tokens": 256,
        "stop_sequences": ["\n\n"],
        "stream": False,
    }
    assert server.requests[-1].headers["authorization"] == f"Bearer {KEY}"


async def test_preamble_becomes_a_system_message(server, make):
    model = make(preamble="Be brief.")
    server.push("ok")
    model.invoke("hi")
    body = server.requests[-1].json
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["model"] == "command-a-03-2025"


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


async def test_bind_tools_streams_tool_call_chunks_that_add_up(server, model, mode):
    server.push(
        Reply(
            "I will look it up.",
            tool_calls=[
                ToolCall("GetWeather", {"city": "Paris"}, id="call_a", pieces=3),
                ToolCall("add", {"a": 1, "b": 2}, id="call_b", pieces=2),
            ],
        )
    )
    bound = model.bind_tools([GetWeather, add, search, RAW_TOOL], tool_choice="GetWeather")
    chunks, error = await collect(bound, "weather in Paris?", mode)
    assert error is None
    pieces = [piece for c in chunks for piece in c.tool_call_chunks]
    assert len(pieces) == 2 + 3 + 2  # a start per call, then its argument fragments
    assert {piece["index"] for piece in pieces} == {0, 1}
    whole = add_ai_message_chunks(*chunks)
    assert whole.content == "I will look it up."  # the tool plan
    assert whole.tool_calls == [
        {"name": "GetWeather", "args": {"city": "Paris"}, "id": "call_a", "type": "tool_call"},
        {"name": "add", "args": {"a": 1, "b": 2}, "id": "call_b", "type": "tool_call"},
    ]
    assert whole.response_metadata["finish_reason"] == "TOOL_CALL"
    body = server.requests[-1].json
    assert body["tool_choice"] == "REQUIRED"  # Cohere cannot be told which tool
    assert [t["function"]["name"] for t in body["tools"]] == [
        "GetWeather",
        "add",
        "search",
        "lookup",
    ]
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
    assert body["tools"][1]["function"]["parameters"]["properties"]["a"] == {
        "type": "integer",
        "description": "The first.",
    }


async def test_tool_calls_from_invoke(server, model, mode):
    server.push(Reply(tool_calls=[ToolCall("search", {"query": "runnel"}, id="c1")]))
    answer = await invoke(model.bind_tools([search]), "find runnel", mode)
    assert answer.tool_calls == [
        {"name": "search", "args": {"query": "runnel"}, "id": "c1", "type": "tool_call"}
    ]
    assert "tool_choice" not in server.requests[-1].json


@pytest.mark.parametrize(
    ("choice", "sent"), [("any", "REQUIRED"), ("none", "NONE"), ("auto", None), (True, "REQUIRED")]
)
async def test_tool_choice_words(server, model, choice, sent):
    server.push("ok")
    model.bind_tools([search], tool_choice=choice).invoke("x")
    assert server.requests[-1].json.get("tool_choice") == sent


WEATHER_SCHEMA = {
    "title": "Weather",
    "description": "The weather in a city.",
    "type": "object",
    "properties": {"city": {"type": "string"}, "degrees": {"type": "integer"}},
    "required": ["city", "degrees"],
}


async def test_structured_output_defaults_to_json_schema_and_streams_partial_objects(
    server, model, mode
):
    server.push(Reply(['{"city', '": "Par', 'is", "deg', 'rees": 2', "1}"]))
    structured = model.with_structured_output(WEATHER_SCHEMA)
    chunks, error = await collect(structured, "weather?", mode)
    assert error is None
    assert chunks[0] == {}
    assert {"city": "Par"} in chunks
    assert chunks[-1] == {"city": "Paris", "degrees": 21}
    assert len(chunks) >= 4
    body = server.requests[-1].json
    assert body["response_format"] == {
        "type": "json_object",
        "json_schema": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "degrees": {"type": "integer"}},
            "required": ["city", "degrees"],
        },
    }


async def test_structured_output_with_function_calling(server, model, mode):
    server.push(Reply(tool_calls=[ToolCall("GetWeather", {"city": "Oslo"})]))
    structured = model.with_structured_output(GetWeather, method="function_calling")
    assert await invoke(structured, "weather?", mode) == GetWeather(city="Oslo")
    assert server.requests[-1].json["tool_choice"] == "REQUIRED"


async def test_thinking_streams_as_reasoning_then_text(make):
    # A reasoning model streams "thinking" content first (a custom route sends it).
    def handler(request, reply):
        def event(payload):
            return Frame(sse(payload, event=payload["type"]), token=True)

        return Stream(
            [
                event({"type": "message-start", "id": "m1", "delta": {"message": {}}}),
                event(
                    {
                        "type": "content-delta",
                        "index": 0,
                        "delta": {"message": {"content": {"thinking": "Hmm, "}}},
                    }
                ),
                event(
                    {
                        "type": "content-delta",
                        "index": 0,
                        "delta": {"message": {"content": {"thinking": "blue."}}},
                    }
                ),
                event(
                    {
                        "type": "content-delta",
                        "index": 1,
                        "delta": {"message": {"content": {"text": "Blue"}}},
                    }
                ),
                event({"type": "message-end", "delta": {"finish_reason": "COMPLETE"}}),
            ]
        )

    with FakeProviderServer(Reply(), routes=[Route("POST", r"/v2/chat", handler)]) as custom:
        thinker = make(base_url=custom.url)
        whole = add_ai_message_chunks(*thinker.stream("sky?"))
        thinker.close()
    assert whole.content == [
        {"type": "reasoning", "index": 0, "summary": [{"text": "Hmm, blue.", "index": 0}]},
        {"type": "text", "index": 1, "text": "Blue"},
    ]


async def test_thinking_in_a_whole_answer(make):
    def handler(request, reply):
        content = [{"type": "thinking", "thinking": "Hmm, blue."}, {"type": "text", "text": "Blue"}]
        message = {"role": "assistant", "content": content}
        return Response(200, {"id": "m2", "finish_reason": "COMPLETE", "message": message})

    with FakeProviderServer(Reply(), routes=[Route("POST", r"/v2/chat", handler)]) as custom:
        thinker = make(base_url=custom.url)
        answer = thinker.invoke("sky?")
        thinker.close()
    assert answer.content == [
        {"type": "reasoning", "index": 0, "summary": [{"text": "Hmm, blue.", "index": 0}]},
        {"type": "text", "index": 1, "text": "Blue"},
    ]
    assert answer.usage_metadata is None  # the fake answer reported none
    assert answer.response_metadata["id"] == "m2"


# -- tracing metadata and keys -------------------------------------------------------------
async def test_events_carry_the_standard_tracing_metadata(server, model):
    server.push("Hi there")
    events = [e async for e in model.astream_events("hello", version="v2")]
    start = next(e for e in events if e["event"] == "on_chat_model_start")
    assert {k: v for k, v in start["metadata"].items() if k.startswith("ls_")} == {
        "ls_provider": "cohere",
        "ls_model_name": "command-r-plus",
        "ls_model_type": "chat",
        "ls_temperature": 0.3,
        "ls_max_tokens": 256,
    }
    streamed = [e["data"]["chunk"].content for e in events if e["event"] == "on_chat_model_stream"]
    assert streamed == ["Hi", " there", ""]
    end = next(e for e in events if e["event"] == "on_chat_model_end")
    assert end["data"]["output"].usage_metadata["output_tokens"] == 2


async def test_key_from_the_environment(server, make, monkeypatch):
    monkeypatch.setenv("COHERE_API_KEY", "from-env")
    server.push("ok", "ok")
    make(api_key=None).invoke("x")
    assert server.requests[-1].headers["authorization"] == "Bearer from-env"
    make(cohere_api_key="alias-key").invoke("x")
    assert server.requests[-1].headers["authorization"] == "Bearer alias-key"


async def test_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("COHERE_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="COHERE_API_KEY"):
        ChatCohere()


async def test_the_key_never_shows(server, model, caplog):
    caplog.set_level(logging.DEBUG)
    assert KEY not in repr(model) and KEY not in str(model)
    assert KEY not in json.dumps(model.model_dump(), default=str)
    server.push("Hi there")
    events = [e async for e in model.astream_events("hello", version="v2")]
    assert KEY not in repr(events)
    server.push(Reply(status=401, error_message="invalid api token"))
    with pytest.raises(ProviderError) as caught:
        model.invoke("x")
    error = caught.value
    assert error.status_code == 401 and "invalid api token" in str(error)
    for text in (str(error), repr(error), repr(error.body), repr(error.__cause__)):
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
    slow_down = Reply(status=429, retry_after=0.01, error_message="too many requests, slow down")
    server.push(slow_down, slow_down, slow_down, "never sent")
    with pytest.raises(ProviderError) as caught:
        await invoke(model, "x", mode)
    assert caught.value.status_code == 429
    assert "too many requests, slow down" in str(caught.value)
    assert len(server.requests) == 3  # the first try and max_retries=2


async def test_4xx_surfaces_the_message_without_retrying(server, model, mode):
    server.push(Reply(status=400, error_message="invalid model 'nope'"), "not reached")
    chunks, error = await collect(model, "x", mode)
    assert chunks == []
    assert isinstance(error, ProviderError)
    assert error.status_code == 400 and "invalid model 'nope'" in str(error)
    assert len(server.requests) == 1


async def test_timeout(server, make, mode):
    slow = make(timeout=0.05, max_retries=0)
    server.push(Reply("late", first_byte_delay=1.0))
    chunks, error = await collect(slow, "x", mode)
    assert chunks == [] and isinstance(error, ProviderTimeout)


async def test_error_event_mid_stream_keeps_what_was_delivered(server, model, mode):
    server.push(Reply("a b c d e", error_after=2, error_message="the model overloaded"))
    chunks, error = await collect(model, "x", mode)
    assert [c.content for c in chunks] == ["a", " b"]
    assert isinstance(error, ProviderError) and "the model overloaded" in str(error)
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
    monkeypatch.setenv("COHERE_API_KEY", "k")
    model = init_chat_model("cohere:command-r", temperature=0)
    assert isinstance(model, ChatCohere) and model.model == "command-r"
    assert isinstance(init_chat_model("command-r-plus"), ChatCohere)


async def test_a_missing_sdk_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "cohere", None)  # what an uninstalled package looks like
    for module in [m for m in sys.modules if m.startswith("runnel.providers.cohere")]:
        monkeypatch.delitem(sys.modules, module)
    with pytest.raises(ImportError, match=r'pip install "runnel\[cohere\]"'):
        importlib.import_module("runnel.providers.cohere")


def test_a_model_serves_one_event_loop_after_another(server):
    # Each asyncio.run is a new event loop: the model's async client must follow, and the
    # one of an ended loop must be closed with it (no unclosed socket left to the GC).
    model = ChatCohere(api_key=KEY, base_url=server.url)

    async def stream():
        return [chunk.content async for chunk in model.astream("x")]

    server.push("first", "second one")
    assert asyncio.run(model.ainvoke("x")).content == "first"
    assert asyncio.run(stream()) == ["second", " one", ""]
    asyncio.run(model.aclose())
    gc.collect()
