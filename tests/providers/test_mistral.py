"""`ChatMistralAI` against the fake Mistral server, through the official ``mistralai`` SDK."""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from typing import Any

import pytest
from tests.providers._streams import call, collect_with_error
from tests.providers._tools import RAW_TOOL, WEATHER_SCHEMA, GetWeather, add, search

import runnel.providers.mistralai
from runnel.chat_models import init_chat_model
from runnel.messages import (
    AIMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    add_ai_message_chunks,
)
from runnel.providers.mistralai import ChatMistralAI
from runnel.testing import Reply, ToolCall, Usage

pytestmark = pytest.mark.anyio

KEY = "mi-secret-2b8e4d60"


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


async def test_exports():
    public = {
        name
        for name, value in vars(runnel.providers.mistralai).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert sorted(runnel.providers.mistralai.__all__) == sorted(public) == ["ChatMistralAI"]


# -- streaming and invoking ---------------------------------------------------------------
# Streaming, invoke, batch, events, keys, failures and cancellation: see test_contract.py.
async def test_the_last_chunk_carries_mistrals_metadata(server, model, mode):
    server.push(Reply("The sky is blue", usage=Usage(input_tokens=12)))
    chunks, error = await collect_with_error(model, "what color is the sky?", mode)
    assert error is None
    assert chunks[-1].response_metadata == {
        "model_name": "mistral-large-latest",
        "finish_reason": "stop",
        "model_provider": "mistralai",
    }
    assert server.requests[-1].headers["accept"] == "text/event-stream"


async def test_invoke_reports_the_model_the_server_names(server, model, mode):
    server.push(Reply("Paris is the capital", usage=Usage(input_tokens=7), model="mistral-x"))
    answer = await call(model, "capital of France?", mode)
    assert answer.response_metadata["model_name"] == "mistral-x"  # as the server reports it


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
    chunks, error = await collect_with_error(bound, "weather in Paris?", mode)
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
    answer = await call(model.bind_tools([search]), "find runnel", mode)
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
    assert await call(structured, "weather?", mode) == GetWeather(city="Oslo")
    body = server.requests[-1].json
    assert body["tool_choice"] == {"type": "function", "function": {"name": "GetWeather"}}


async def test_structured_output_as_json_schema_streams_partial_objects(server, model, mode):
    server.push(Reply(['{"city', '": "Par', 'is", "deg', 'rees": 2', "1}"]))
    structured = model.with_structured_output(WEATHER_SCHEMA, method="json_schema")
    chunks, error = await collect_with_error(structured, "weather?", mode)
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
async def test_the_langchain_key_alias(server, make):
    server.push("ok")
    make(mistral_api_key="alias-key").invoke("x")
    assert server.requests[-1].headers["authorization"] == "Bearer alias-key"


# -- failures --------------------------------------------------------------------------------
# -- cancellation ----------------------------------------------------------------------------
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
