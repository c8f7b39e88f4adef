"""`ChatOllama` against the fake Ollama server (native ``/api/chat``, NDJSON) over httpx."""

from __future__ import annotations

import importlib
import inspect
import sys
from typing import Any

import httpx
import pytest
from tests.providers._streams import call, collect_with_error
from tests.providers._tools import RAW_TOOL, WEATHER_SCHEMA, GetWeather, add, search

import runnel.providers.ollama
from runnel.chat_models import init_chat_model
from runnel.exceptions import ProviderError
from runnel.messages import (
    AIMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    add_ai_message_chunks,
)
from runnel.providers.ollama import ChatOllama
from runnel.testing import FakeProviderServer, Frame, Reply, Route, Stream, ToolCall, Usage, ndjson

pytestmark = pytest.mark.anyio

KEY = "ol-secret-5c2d9e11"


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


async def test_exports():
    public = {
        name
        for name, value in vars(runnel.providers.ollama).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert sorted(runnel.providers.ollama.__all__) == sorted(public)
    assert sorted(public) == ["ChatOllama", "OllamaResponseError"]


# -- streaming and invoking ---------------------------------------------------------------
# Streaming, invoke, batch, events, keys, failures and cancellation: see test_contract.py.
async def test_the_last_chunk_carries_ollamas_counts_and_no_key_is_needed(server, model, mode):
    server.push(Reply("The sky is blue", usage=Usage(input_tokens=12)))
    chunks, error = await collect_with_error(model, "what color is the sky?", mode)
    assert error is None
    assert "".join(c.content for c in chunks) == "The sky is blue"
    metadata = chunks[-1].response_metadata
    assert metadata["model_name"] == metadata["model"] == "llama3.2"
    assert metadata["done_reason"] == "stop" and metadata["done"] is True
    assert metadata["model_provider"] == "ollama"
    assert metadata["prompt_eval_count"] == 12 and metadata["eval_count"] == 4
    assert "message" not in metadata
    assert "authorization" not in server.requests[-1].headers  # no key needed


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
    chunks, error = await collect_with_error(bound, "weather in Paris?", mode)
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
        chunks, error = await collect_with_error(other.bind_tools([search]), "find", mode)
        await other.aclose()
    assert error is None
    (call,) = add_ai_message_chunks(*chunks).tool_calls
    assert call["name"] == "search" and call["args"] == {"query": "x"} and call["id"]


async def test_structured_output_defaults_to_json_schema_and_streams_partial_objects(
    server, model, mode
):
    server.push(Reply(['{"city', '": "Par', 'is", "deg', 'rees": 2', "1}"]))
    structured = model.with_structured_output(WEATHER_SCHEMA)
    chunks, error = await collect_with_error(structured, "weather?", mode)
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
    assert await call(json_mode, "weather?", mode) == GetWeather(city="Oslo")
    assert server.requests[-1].json["format"] == "json"
    calling = model.with_structured_output(GetWeather, method="function_calling")
    assert await call(calling, "weather?", mode) == GetWeather(city="Rome")
    assert server.requests[-1].json["tools"][0]["function"]["name"] == "GetWeather"


# -- tracing metadata and keys -------------------------------------------------------------
# -- failures --------------------------------------------------------------------------------
async def test_unreachable_server_is_a_connection_error(make, mode):
    with FakeProviderServer() as gone:
        url = gone.url
    model = make(base_url=url, max_retries=0)
    chunks, error = await collect_with_error(model, "x", mode)
    assert chunks == [] and isinstance(error, ProviderError) and error.retryable
    assert "connection failed" in str(error)


# -- cancellation ----------------------------------------------------------------------------
async def test_init_chat_model():
    model = init_chat_model("ollama:llama3.2", temperature=0)
    assert isinstance(model, ChatOllama) and model.model == "llama3.2"


async def test_a_missing_sdk_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "httpx", None)  # what an uninstalled package looks like
    for module in [m for m in sys.modules if m.startswith("runnel.providers.ollama")]:
        monkeypatch.delitem(sys.modules, module)
    with pytest.raises(ImportError, match=r'pip install "runnel\[ollama\]"'):
        importlib.import_module("runnel.providers.ollama")
