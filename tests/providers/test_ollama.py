"""`ChatOllama` against the fake Ollama server (native ``/api/chat``, NDJSON) over httpx."""

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
import httpx
import pytest
from pydantic import BaseModel

import runnel.providers.ollama
from runnel.chat_models import init_chat_model
from runnel.exceptions import IncompleteStreamError, ProviderError, ProviderTimeout
from runnel.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    add_ai_message_chunks,
)
from runnel.providers.ollama import ChatOllama
from runnel.testing import FakeProviderServer, Frame, Reply, Route, Stream, ToolCall, Usage, ndjson
from runnel.tools import tool

pytestmark = pytest.mark.anyio

KEY = "ol-secret-5c2d9e11"


@pytest.fixture
def server():
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
async def make(server, monkeypatch):
    """Build models on the fake server; their connections are closed after the test."""
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    made: list[ChatOllama] = []

    def make(**options: Any) -> ChatOllama:
        made.append(ChatOllama(**{"model": "llama3.2", "base_url": server.url, **options}))
        return made[-1]

    yield make
    for model in made:
        await model.aclose()


@pytest.fixture
def model(make):
    return make(temperature=0.3, num_predict=256, max_retries=2)


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
        for name, value in vars(runnel.providers.ollama).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert sorted(runnel.providers.ollama.__all__) == sorted(public)
    assert sorted(public) == ["ChatOllama", "OllamaResponseError"]


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
    metadata = last.response_metadata
    assert metadata["model_name"] == metadata["model"] == "llama3.2"
    assert metadata["done_reason"] == "stop" and metadata["done"] is True
    assert metadata["model_provider"] == "ollama"
    assert metadata["prompt_eval_count"] == 12 and metadata["eval_count"] == 4
    assert "message" not in metadata
    whole = add_ai_message_chunks(*chunks)
    assert whole.content == "The sky is blue"
    assert whole.usage_metadata == usage
    request = server.requests[-1]
    assert request.path == "/api/chat"
    assert request.json["stream"] is True
    assert "authorization" not in request.headers  # no key needed


async def test_invoke_uses_the_non_streamed_call(server, model, mode):
    server.push(Reply("Paris is the capital", usage=Usage(input_tokens=7)))
    answer = await invoke(model, "capital of France?", mode)
    assert isinstance(answer, AIMessage)
    assert answer.content == "Paris is the capital"
    assert answer.usage_metadata == {"input_tokens": 7, "output_tokens": 4, "total_tokens": 11}
    assert answer.response_metadata["done_reason"] == "stop"
    assert answer.response_metadata["model_name"] == "llama3.2"
    assert server.requests[-1].json["stream"] is False


async def test_batch(server, model, mode):
    server.push("one", "two")
    inputs = ["first", "second"]
    answers = model.batch(inputs) if mode == "sync" else await model.abatch(inputs)
    assert sorted(a.content for a in answers) == ["one", "two"]
    assert len(server.requests) == 2


async def test_request_carries_every_kind_of_message(server, make):
    model = make(temperature=0.3, num_predict=256, num_ctx=4096, top_k=20, keep_alive="5m", seed=7)
    server.push("done")
    image = "data:image/png;base64,iVBORw0KGgo="
    messages = [
        SystemMessage("You are terse."),
        HumanMessage("What is 2 + 3?"),
        AIMessage("", tool_calls=[{"name": "add", "args": {"a": 2, "b": 3}, "id": "call_9"}]),
        ToolMessage("5", tool_call_id="call_9"),
        AIMessage("It is 5.", additional_kwargs={"reasoning_content": "2 + 3 = 5"}),
        HumanMessage(
            [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": image}},
            ]
        ),
    ]
    model.invoke(messages, stop=["\n\n"])
    assert server.requests[-1].json == {
        "model": "llama3.2",
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "What is 2 + 3?"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "type": "function",
                        "id": "call_9",
                        "function": {"name": "add", "arguments": {"a": 2, "b": 3}},
                    }
                ],
            },
            {"role": "tool", "content": "5", "tool_call_id": "call_9", "tool_name": "add"},
            {"role": "assistant", "content": "It is 5.", "thinking": "2 + 3 = 5"},
            {"role": "user", "content": "What is this?", "images": ["iVBORw0KGgo="]},
        ],
        "stream": False,
        "options": {
            "num_ctx": 4096,
            "num_predict": 256,
            "temperature": 0.3,
            "seed": 7,
            "top_k": 20,
            "stop": ["\n\n"],
        },
        "keep_alive": "5m",
    }


async def test_call_options_go_to_options(server, model):
    server.push("ok")
    model.bind(temperature=0.9, max_tokens=12, reasoning=True).invoke("x")
    body = server.requests[-1].json
    assert body["options"] == {"num_predict": 12, "temperature": 0.9}
    assert body["think"] is True


async def test_base_url_defaults_to_ollama_host(server, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", server.url.removeprefix("http://"))
    model = ChatOllama(model="llama3.2")
    server.push("from env")
    assert model.invoke("x").content == "from env"
    model.close()
    monkeypatch.delenv("OLLAMA_HOST")
    local = ChatOllama(model="m")
    assert str(local._sync().base_url) == "http://localhost:11434"
    local.close()


async def test_api_tags_lists_models(server):
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.get("/api/tags")
    names = [m["name"] for m in response.json()["models"]]
    assert response.status_code == 200 and "llama3.2:latest" in names


async def test_thinking_goes_to_reasoning_content(make):
    def handler(request, reply):
        def line(message, **extra):
            obj = {"model": "qwen3", "created_at": "2025-01-01T00:00:00Z", "message": message}
            return Frame(ndjson({**obj, "done": False, **extra}), token=True)

        end = {"model": "qwen3", "done": True, "done_reason": "stop", "eval_count": 3}
        return Stream(
            [
                line({"role": "assistant", "content": "", "thinking": "Sky, "}),
                line({"role": "assistant", "content": "", "thinking": "blue."}),
                line({"role": "assistant", "content": "Blue"}),
                Frame(ndjson(end), terminal=True),
            ],
            content_type="application/x-ndjson",
        )

    with FakeProviderServer(Reply(), routes=[Route("POST", r"/api/chat", handler)]) as custom:
        thinker = make(model="qwen3", base_url=custom.url, reasoning=True)
        whole = add_ai_message_chunks(*thinker.stream("sky?"))
        thinker.close()
    assert whole.content == "Blue"
    assert whole.additional_kwargs == {"reasoning_content": "Sky, blue."}
    assert whole.usage_metadata == {"input_tokens": 0, "output_tokens": 3, "total_tokens": 3}


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
                ToolCall("GetWeather", {"city": "Paris"}, id="call_a"),
                ToolCall("add", {"a": 1, "b": 2}, id="call_b"),
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
        {"name": "GetWeather", "args": {"city": "Paris"}, "id": "call_a", "type": "tool_call"},
        {"name": "add", "args": {"a": 1, "b": 2}, "id": "call_b", "type": "tool_call"},
    ]
    body = server.requests[-1].json
    assert "tool_choice" not in body  # Ollama has no tool choice
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


async def test_tool_calls_without_ids_get_one(server, model, mode):
    def call_without_id(request, reply):
        message = {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"function": {"name": "search", "arguments": {"query": "x"}}}],
        }
        done = {"model": "llama3.2", "message": message, "done": True, "done_reason": "stop"}
        return Stream([Frame(ndjson(done), terminal=True)], "application/x-ndjson")

    with FakeProviderServer(Reply(), routes=[Route("POST", r"/api/chat", call_without_id)]) as s:
        other = ChatOllama(model="llama3.2", base_url=s.url)
        chunks, error = await collect(other.bind_tools([search]), "find", mode)
        await other.aclose()
    assert error is None
    (call,) = add_ai_message_chunks(*chunks).tool_calls
    assert call["name"] == "search" and call["args"] == {"query": "x"} and call["id"]


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
    assert server.requests[-1].json["format"] == {
        "type": "object",
        "properties": {"city": {"type": "string"}, "degrees": {"type": "integer"}},
        "required": ["city", "degrees"],
    }


async def test_structured_output_other_methods(server, model, mode):
    server.push(
        Reply('{"city": "Oslo"}'), Reply(tool_calls=[ToolCall("GetWeather", {"city": "Rome"})])
    )
    json_mode = model.with_structured_output(GetWeather, method="json_mode")
    assert await invoke(json_mode, "weather?", mode) == GetWeather(city="Oslo")
    assert server.requests[-1].json["format"] == "json"
    calling = model.with_structured_output(GetWeather, method="function_calling")
    assert await invoke(calling, "weather?", mode) == GetWeather(city="Rome")
    assert server.requests[-1].json["tools"][0]["function"]["name"] == "GetWeather"


# -- tracing metadata and keys -------------------------------------------------------------
async def test_events_carry_the_standard_tracing_metadata(server, model):
    server.push("Hi there")
    events = [e async for e in model.astream_events("hello", version="v2")]
    start = next(e for e in events if e["event"] == "on_chat_model_start")
    assert {k: v for k, v in start["metadata"].items() if k.startswith("ls_")} == {
        "ls_provider": "ollama",
        "ls_model_name": "llama3.2",
        "ls_model_type": "chat",
        "ls_temperature": 0.3,
        "ls_max_tokens": 256,  # num_predict
    }
    streamed = [e["data"]["chunk"].content for e in events if e["event"] == "on_chat_model_stream"]
    assert streamed == ["Hi", " there", ""]
    end = next(e for e in events if e["event"] == "on_chat_model_end")
    assert end["data"]["output"].usage_metadata["output_tokens"] == 2


async def test_a_key_is_optional_and_never_shows(server, make, caplog):
    caplog.set_level(logging.DEBUG)
    model = make(api_key=KEY)
    assert KEY not in repr(model) and KEY not in str(model)
    assert KEY not in json.dumps(model.model_dump(), default=str)
    server.push("Hi there")
    events = [e async for e in model.astream_events("hello", version="v2")]
    assert KEY not in repr(events)
    assert server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    server.push(Reply(status=401, error_message="unauthorized"))
    with pytest.raises(ProviderError) as caught:
        model.invoke("x")
    error = caught.value
    assert error.status_code == 401 and "unauthorized" in str(error)
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
    busy = Reply(status=429, retry_after=0.01, error_message="server busy, please try again")
    server.push(busy, busy, busy, "never sent")
    with pytest.raises(ProviderError) as caught:
        await invoke(model, "x", mode)
    assert caught.value.status_code == 429
    assert "server busy, please try again" in str(caught.value)
    assert len(server.requests) == 3  # the first try and max_retries=2


async def test_4xx_surfaces_the_message_without_retrying(server, model, mode):
    server.push(Reply(status=404, error_message="model 'nope' not found"), "not reached")
    chunks, error = await collect(model, "x", mode)
    assert chunks == []
    assert isinstance(error, ProviderError)
    assert error.status_code == 404 and "model 'nope' not found" in str(error)
    assert len(server.requests) == 1


async def test_timeout(server, make, mode):
    slow = make(timeout=0.05, max_retries=0)
    server.push(Reply("late", first_byte_delay=1.0))
    chunks, error = await collect(slow, "x", mode)
    assert chunks == [] and isinstance(error, ProviderTimeout)


async def test_error_line_mid_stream_keeps_what_was_delivered(server, model, mode):
    server.push(Reply("a b c d e", error_after=2, error_message="out of memory"))
    chunks, error = await collect(model, "x", mode)
    assert [c.content for c in chunks] == ["a", " b"]
    assert isinstance(error, ProviderError) and "out of memory" in str(error)
    assert error.partial.content == "a b"
    assert len(server.requests) == 1  # never retried once chunks were delivered


async def test_dropped_connection_mid_stream(server, model, mode):
    server.push(Reply("a b c d e", drop_after=3), "not reached")
    chunks, error = await collect(model, "x", mode)
    assert [c.content for c in chunks] == ["a", " b", " c"]
    assert isinstance(error, ProviderError) and not isinstance(error, IncompleteStreamError)
    assert error.partial.content == "a b c"
    assert len(server.requests) == 1


async def test_unreachable_server_is_a_connection_error(make, mode):
    with FakeProviderServer() as gone:
        url = gone.url
    model = make(base_url=url, max_retries=0)
    chunks, error = await collect(model, "x", mode)
    assert chunks == [] and isinstance(error, ProviderError) and error.retryable
    assert "connection failed" in str(error)


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


async def test_init_chat_model():
    model = init_chat_model("ollama:llama3.2", temperature=0)
    assert isinstance(model, ChatOllama) and model.model == "llama3.2"


async def test_a_missing_sdk_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "httpx", None)  # what an uninstalled package looks like
    for module in [m for m in sys.modules if m.startswith("runnel.providers.ollama")]:
        monkeypatch.delitem(sys.modules, module)
    with pytest.raises(ImportError, match=r'pip install "runnel\[ollama\]"'):
        importlib.import_module("runnel.providers.ollama")


def test_a_model_serves_one_event_loop_after_another(server):
    # Each asyncio.run is a new event loop: the model's async client must follow, and the
    # one of an ended loop must be closed with it (no unclosed socket left to the GC).
    model = ChatOllama(model="llama3.2", base_url=server.url)

    async def stream():
        return [chunk.content async for chunk in model.astream("x")]

    server.push("first", "second one")
    assert asyncio.run(model.ainvoke("x")).content == "first"
    assert asyncio.run(stream()) == ["second", " one", ""]
    asyncio.run(model.aclose())
    gc.collect()
