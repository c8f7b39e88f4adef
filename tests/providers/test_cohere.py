"""`ChatCohere` against the fake Cohere v2 chat server, through the official ``cohere`` SDK."""

from __future__ import annotations

import importlib
import inspect
import sys
from typing import Any

import pytest
from tests.providers._streams import call, collect_with_error
from tests.providers._tools import RAW_TOOL, WEATHER_SCHEMA, GetWeather, add, search

import runnel.providers.cohere
from runnel.chat_models import init_chat_model
from runnel.messages import (
    AIMessage,
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

pytestmark = pytest.mark.anyio

KEY = "co-secret-7f3a9c1e"


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


async def test_exports():
    public = {
        name
        for name, value in vars(runnel.providers.cohere).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert sorted(runnel.providers.cohere.__all__) == sorted(public) == ["ChatCohere"]


# -- streaming and invoking ---------------------------------------------------------------
# Streaming, invoke, batch, events, keys, failures and cancellation: see test_contract.py.
async def test_the_last_chunk_reports_cache_reads_and_billed_units(server, model, mode):
    server.push(Reply("The sky is blue", usage=Usage(input_tokens=12, cache_read_tokens=4)))
    chunks, error = await collect_with_error(model, "what color is the sky?", mode)
    assert error is None
    last = chunks[-1]
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
    assert add_ai_message_chunks(*chunks).usage_metadata == usage


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
    chunks, error = await collect_with_error(bound, "weather in Paris?", mode)
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
    answer = await call(model.bind_tools([search]), "find runnel", mode)
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
    assert await call(structured, "weather?", mode) == GetWeather(city="Oslo")
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
async def test_the_langchain_key_alias(server, make):
    server.push("ok")
    make(cohere_api_key="alias-key").invoke("x")
    assert server.requests[-1].headers["authorization"] == "Bearer alias-key"


# -- failures --------------------------------------------------------------------------------
# -- cancellation ----------------------------------------------------------------------------
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
