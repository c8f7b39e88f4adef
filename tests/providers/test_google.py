"""ChatGoogleGenerativeAI against the fake Gemini server, through the official google-genai SDK."""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any, TypedDict

import pytest
from pydantic import BaseModel
from tests.providers._streams import added, call, collect

from runnel.chat_models import init_chat_model
from runnel.exceptions import (
    ProviderError,
)
from runnel.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from runnel.providers.google import ChatGoogleGenerativeAI
from runnel.testing import (
    FakeProviderServer,
    Frame,
    Reply,
    Response,
    Route,
    Stream,
    ToolCall,
    Usage,
)
from runnel.tools import tool

pytestmark = pytest.mark.anyio

MODEL = "gemini-2.5-flash"
KEY = "AIzaSy-test-5ecret-0123456789"
PATH = f"/v1beta/models/{MODEL}:streamGenerateContent"
PREFIX = r"/v1beta/models/[^/:]+"


@pytest.fixture
def chat(server: FakeProviderServer) -> Any:
    def make(**kwargs: Any) -> ChatGoogleGenerativeAI:
        settings = {"model": MODEL, "api_key": KEY, "base_url": server.url, **kwargs}
        return ChatGoogleGenerativeAI(**settings)

    return make


# Streaming token by token, invoke, batch, events, keys, failures and cancellation are the
# contract every provider keeps: see test_contract.py.


# -- streaming ---------------------------------------------------------------------------------
async def test_usage_is_reported_once_with_the_final_totals(
    chat: Any, server: Any, mode: str
) -> None:
    usage = Usage(input_tokens=9, output_tokens=6, cache_read_tokens=4, reasoning_tokens=20)
    server.push(Reply("a b c", usage=usage))
    chunks = await collect(chat(), "hi", mode)
    # every chunk repeated the running totals on the wire; only the last one reports them
    assert [c.usage_metadata for c in chunks[:-1]] == [None, None]
    expected = {
        "input_tokens": 9,
        "output_tokens": 26,
        "total_tokens": 35,
        "input_token_details": {"cache_read": 4},
        "output_token_details": {"reasoning": 20},
    }
    assert chunks[-1].usage_metadata == expected
    total = added(chunks)
    assert total.usage_metadata == expected
    assert chunks[-1].chunk_position == "last"
    assert total.response_metadata == {
        "model_name": MODEL,
        "model_provider": "google_genai",
        "finish_reason": "STOP",
    }


async def test_the_usage_of_a_stream_equals_that_of_invoke(chat: Any, server: Any) -> None:
    usage = Usage(input_tokens=12, output_tokens=5)
    server.push(Reply("one two three", usage=usage), Reply("one two three", usage=usage))
    model = chat()
    streamed = added([c async for c in model.astream("hi")])
    answer = await model.ainvoke("hi")
    assert (
        streamed.usage_metadata
        == answer.usage_metadata
        == {
            "input_tokens": 12,
            "output_tokens": 5,
            "total_tokens": 17,
        }
    )


async def test_the_model_name_reported_is_the_one_gemini_answers_with(
    chat: Any, server: Any
) -> None:
    server.push(Reply("ok", model="gemini-2.5-flash-preview-05-20"))
    chunks = [c async for c in chat().astream("hi")]
    assert added(chunks).response_metadata["model_name"] == "gemini-2.5-flash-preview-05-20"


async def test_a_max_tokens_finish_is_reported(chat: Any, server: Any, mode: str) -> None:
    server.push(Reply("cut sho", finish_reason="length"))
    chunks = await collect(chat(max_tokens=2), "hi", mode)
    assert added(chunks).response_metadata["finish_reason"] == "MAX_TOKENS"
    assert server.requests[-1].json["generationConfig"] == {"maxOutputTokens": 2}


# -- whole answers -----------------------------------------------------------------------------
async def test_invoke_reports_cache_reads_and_the_metadata(
    chat: Any, server: Any, mode: str
) -> None:
    server.push(Reply("Hello there", usage=Usage(input_tokens=7, cache_read_tokens=2)))
    answer = await call(chat(), "hi", mode)
    assert answer.usage_metadata == {
        "input_tokens": 7,
        "output_tokens": 2,
        "total_tokens": 9,
        "input_token_details": {"cache_read": 2},
    }
    assert answer.response_metadata == {
        "model_name": MODEL,
        "model_provider": "google_genai",
        "finish_reason": "STOP",
    }
    assert server.requests[-1].path == f"/v1beta/models/{MODEL}:generateContent"


async def test_invoke_streams_when_asked(chat: Any, server: Any, mode: str) -> None:
    server.push(Reply("a b c", usage=Usage(input_tokens=3)))
    answer = await call(chat(streaming=True), "hi", mode)
    assert answer.content == "a b c"
    assert answer.usage_metadata["total_tokens"] == 6
    assert server.requests[-1].path == PATH


# -- events ------------------------------------------------------------------------------------
async def test_events_without_settings_report_no_temperature(chat: Any, server: Any) -> None:
    server.push(Reply("ok"))
    events = [e async for e in chat(model="models/gemini-2.0-flash").astream_events("hi")]
    assert events[0]["metadata"] == {
        "ls_provider": "google_genai",
        "ls_model_name": "gemini-2.0-flash",
        "ls_model_type": "chat",
        "ls_temperature": None,
    }
    assert server.requests[-1].path == "/v1beta/models/gemini-2.0-flash:streamGenerateContent"


# -- requests ----------------------------------------------------------------------------------
async def test_messages_of_every_kind_become_gemini_contents(
    chat: Any, server: Any, mode: str
) -> None:
    server.push(Reply("It is sunny."))
    model = chat(temperature=0.2, top_k=5, top_p=0.9, max_tokens=50, stop=["\n\nUser:"])
    messages = [
        SystemMessage("You are terse."),
        HumanMessage(
            [
                {"type": "text", "text": "What is the weather here?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                {"type": "image", "url": "gs://bucket/photo.jpg"},
            ]
        ),
        AIMessage(
            "Let me look.",
            tool_calls=[
                {"name": "get_weather", "args": {"city": "Paris"}, "id": "c1"},
                {"name": "get_time", "args": {}, "id": "c2"},
            ],
        ),
        ToolMessage('{"temperature": 18}', tool_call_id="c1"),
        ToolMessage("no clock", tool_call_id="c2", status="error"),
        SystemMessage("Answer in English."),
        HumanMessage("Thanks. So?"),
    ]
    await call(model, messages, mode)
    assert server.requests[-1].json == {
        "contents": [
            {
                "parts": [
                    {"text": "What is the weather here?"},
                    # google-genai writes nested objects with proto field names, which
                    # Google's JSON parser accepts as well as lowerCamelCase
                    {"inlineData": {"data": "iVBORw0KGgo=", "mime_type": "image/png"}},
                    {"fileData": {"file_uri": "gs://bucket/photo.jpg", "mime_type": "image/jpeg"}},
                ],
                "role": "user",
            },
            {
                "parts": [
                    {"text": "Let me look."},
                    {"functionCall": {"args": {"city": "Paris"}, "name": "get_weather"}},
                    {"functionCall": {"args": {}, "name": "get_time"}},
                ],
                "role": "model",
            },
            {
                "parts": [
                    {"functionResponse": {"name": "get_weather", "response": {"temperature": 18}}},
                    {"functionResponse": {"name": "get_time", "response": {"error": "no clock"}}},
                ],
                "role": "user",
            },
            {"parts": [{"text": "Thanks. So?"}], "role": "user"},
        ],
        "systemInstruction": {
            "parts": [{"text": "You are terse."}, {"text": "Answer in English."}]
        },
        "generationConfig": {
            "maxOutputTokens": 50,
            "stopSequences": ["\n\nUser:"],
            "temperature": 0.2,
            "topK": 5.0,
            "topP": 0.9,
        },
    }


async def test_call_arguments_override_the_fields(chat: Any, server: Any) -> None:
    server.push(Reply("ok"))
    safety = {"HARM_CATEGORY_HARASSMENT": "BLOCK_NONE"}
    model = chat(temperature=0.1, stop=["a"], thinking_budget=0, safety_settings=safety)
    await model.ainvoke("hi", stop=["b"], temperature=0.7, generation_config={"seed": 3})
    body = server.requests[-1].json
    assert body["generationConfig"] == {
        "seed": 3,
        "stopSequences": ["b"],
        "temperature": 0.7,
        "thinkingConfig": {"thinking_budget": 0},
    }
    assert body["safetySettings"] == [
        {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}
    ]


async def test_unknown_call_arguments_are_refused(chat: Any) -> None:
    with pytest.raises(ValueError, match="unsupported call arguments \\['temprature'\\]"):
        await chat().ainvoke("hi", temprature=0.3)


# -- tools -------------------------------------------------------------------------------------
class GetWeather(BaseModel):
    """Get the current weather in a city."""

    city: str


def get_time(zone: str) -> str:
    """Tell the time.

    Args:
        zone: The time zone.
    """
    return "noon"


@tool
def search(query: str) -> str:
    """Search the web."""
    return query


async def test_bind_tools_sends_function_declarations(chat: Any, server: Any) -> None:
    server.push(Reply("ok"))
    schema = {"type": "object", "properties": {"key": {"type": "string"}}}
    anthropic_style = {"name": "lookup", "description": "Look up.", "input_schema": schema}
    model = chat().bind_tools(
        [GetWeather, get_time, search, anthropic_style, {"google_search": {}}],
        tool_choice="any",
    )
    await model.ainvoke("hi")
    body = server.requests[-1].json
    # google-genai merges the function declarations into one tool, placed last
    assert body["tools"] == [
        {"googleSearch": {}},
        {
            "functionDeclarations": [
                {
                    "description": "Get the current weather in a city.",
                    "name": "GetWeather",
                    "parameters_json_schema": {
                        "properties": {"city": {"type": "string"}},
                        "required": ["city"],
                        "type": "object",
                    },
                },
                {
                    "description": "Tell the time.",
                    "name": "get_time",
                    "parameters_json_schema": {
                        "properties": {"zone": {"description": "The time zone.", "type": "string"}},
                        "required": ["zone"],
                        "type": "object",
                    },
                },
                {
                    "description": "Search the web.",
                    "name": "search",
                    "parameters_json_schema": {
                        "properties": {"query": {"type": "string"}},
                        "required": ["query"],
                        "type": "object",
                    },
                },
                {
                    "description": "Look up.",
                    "name": "lookup",
                    "parameters_json_schema": {
                        "properties": {"key": {"type": "string"}},
                        "type": "object",
                    },
                },
            ]
        },
    ]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}


@pytest.mark.parametrize(
    ("choice", "config"),
    [
        ("auto", {"mode": "AUTO"}),
        ("none", {"mode": "NONE"}),
        (True, {"mode": "ANY"}),
        ("required", {"mode": "ANY"}),
        ("GetWeather", {"mode": "ANY", "allowedFunctionNames": ["GetWeather"]}),
        (
            {"type": "function", "function": {"name": "get_time"}},
            {"mode": "ANY", "allowedFunctionNames": ["get_time"]},
        ),
        (["get_time"], {"mode": "ANY", "allowedFunctionNames": ["get_time"]}),
    ],
)
async def test_tool_choice_becomes_a_tool_config(
    chat: Any, server: Any, choice: Any, config: dict[str, Any]
) -> None:
    server.push(Reply("ok"))
    await chat().bind_tools([GetWeather, get_time], tool_choice=choice).ainvoke("hi")
    assert server.requests[-1].json["toolConfig"] == {"functionCallingConfig": config}


def test_a_tool_choice_naming_no_bound_tool_is_refused(chat: Any) -> None:
    with pytest.raises(ValueError, match=r"names \['nope'\], which are not among"):
        chat().bind_tools([GetWeather], tool_choice="nope")


async def test_streamed_function_calls_become_whole_tool_call_chunks(
    chat: Any, server: Any, mode: str
) -> None:
    calls = [ToolCall("GetWeather", {"city": "Paris"}), ToolCall("get_time", {"zone": "CET"})]
    server.push(Reply("Checking.", tool_calls=calls))
    model = chat().bind_tools([GetWeather, get_time])
    chunks = await collect(model, "weather and time?", mode)
    with_calls = [c for c in chunks if c.tool_call_chunks]
    assert [c.tool_call_chunks[0]["args"] for c in with_calls] == [
        '{"city": "Paris"}',
        '{"zone": "CET"}',
    ]
    assert [c.tool_call_chunks[0]["index"] for c in with_calls] == [0, 1]
    total = added(chunks)
    assert total.content == "Checking."
    assert [(t["name"], t["args"]) for t in total.tool_calls] == [
        ("GetWeather", {"city": "Paris"}),
        ("get_time", {"zone": "CET"}),
    ]
    ids = [t["id"] for t in total.tool_calls]
    assert all(ids) and len(set(ids)) == 2  # Gemini sends no ids: runnel makes them
    assert total.response_metadata["finish_reason"] == "STOP"


async def test_invoke_returns_the_tool_calls(chat: Any, server: Any, mode: str) -> None:
    server.push(Reply(tool_calls=[ToolCall("GetWeather", {"city": "Oslo"})]))
    answer = await call(chat().bind_tools([GetWeather]), "weather?", mode)
    assert [(t["name"], t["args"]) for t in answer.tool_calls] == [("GetWeather", {"city": "Oslo"})]
    assert answer.content == ""


# -- structured output -------------------------------------------------------------------------
class Person(TypedDict):
    name: str
    age: int


class PersonModel(BaseModel):
    """A person."""

    name: str
    age: int


async def test_structured_output_asks_for_json_by_default_and_streams_partial_objects(
    chat: Any, server: Any, mode: str
) -> None:
    server.push(Reply(['{"name": "Al', 'ice", "ag', 'e": 30}']))
    chunks = await collect(chat().with_structured_output(Person), "Alice, 30", mode)
    assert chunks == [{"name": "Al"}, {"name": "Alice"}, {"name": "Alice", "age": 30}]
    config = server.requests[-1].json["generationConfig"]
    assert config == {
        "responseMimeType": "application/json",
        "responseJsonSchema": {
            "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
            "required": ["name", "age"],
            "type": "object",
        },
    }
    assert "tools" not in server.requests[-1].json


async def test_structured_output_validates_pydantic_models(chat: Any, server: Any) -> None:
    server.push(Reply(['{"name": "Bob",', ' "age": 41}']))
    answer = await chat().with_structured_output(PersonModel).ainvoke("Bob, 41")
    assert answer == PersonModel(name="Bob", age=41)


async def test_structured_output_by_function_calling(chat: Any, server: Any, mode: str) -> None:
    server.push(Reply(tool_calls=[ToolCall("PersonModel", {"name": "Eve", "age": 7})]))
    model = chat().with_structured_output(PersonModel, method="function_calling")
    assert await call(model, "Eve, 7", mode) == PersonModel(name="Eve", age=7)
    body = server.requests[-1].json
    assert body["tools"][0]["functionDeclarations"][0]["name"] == "PersonModel"
    assert body["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["PersonModel"]}
    }


async def test_json_mode_asks_for_any_json(chat: Any, server: Any) -> None:
    server.push(Reply('{"a": 1}'))
    answer = await chat().with_structured_output(None, method="json_mode").ainvoke("hi")
    assert answer == {"a": 1}
    assert server.requests[-1].json["generationConfig"] == {"responseMimeType": "application/json"}


# -- keys and settings -------------------------------------------------------------------------
def test_langchain_field_names_are_accepted() -> None:
    model = ChatGoogleGenerativeAI(
        model_name=MODEL, google_api_key=KEY, max_tokens=77, stop_sequences=["x"], timeout=3.0
    )
    assert (model.model, model.max_output_tokens, model.stop, model.timeout) == (
        MODEL,
        77,
        ["x"],
        3.0,
    )
    assert model.api_key is not None and model.api_key.get_secret_value() == KEY
    assert model._llm_type == "chat-google-generative-ai"


async def test_init_chat_model_makes_a_gemini_model(server: Any) -> None:
    server.push(Reply("ok"))
    model = init_chat_model(f"google_genai:{MODEL}", api_key=KEY, base_url=server.url)
    assert isinstance(model, ChatGoogleGenerativeAI)
    assert (await model.ainvoke("hi")).content == "ok"
    assert isinstance(init_chat_model(MODEL, api_key=KEY), ChatGoogleGenerativeAI)


def test_without_the_sdk_the_import_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [
        m for m in sys.modules if m.startswith(("runnel.providers.google", "google.genai"))
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "google.genai", None)
    with pytest.raises(ImportError, match=r'pip install "runnel\[google\]"'):
        importlib.import_module("runnel.providers.google")


# -- shapes recorded from Gemini ---------------------------------------------------------------
def recorded(*chunks: dict[str, Any], whole: dict[str, Any] | None = None) -> list[Route]:
    """Gemini routes that stream these responses as they are (LF line ends), and answer
    ``generateContent`` with `whole`."""
    frames = [Frame(b"data: " + json.dumps(chunk).encode() + b"\n\n") for chunk in chunks]
    return [
        Route(
            "POST", f"{PREFIX}:streamGenerateContent", lambda r, _: Stream(frames), scripted=False
        ),
        Route(
            "POST", f"{PREFIX}:generateContent", lambda r, _: Response(200, whole), scripted=False
        ),
    ]


def candidate(*parts: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"content": {"parts": list(parts), "role": "model"}, "index": 0}
    if finish:
        out["finishReason"] = finish
    return {"candidates": [out]}


def test_a_blocked_prompt_ends_the_stream(chat: Any) -> None:
    blocked = {
        "promptFeedback": {"blockReason": "SAFETY"},
        "usageMetadata": {"promptTokenCount": 5, "totalTokenCount": 5},
        "modelVersion": MODEL,
    }
    with FakeProviderServer(routes=recorded(blocked)) as gemini:
        chunks = list(chat(base_url=gemini.url).stream("something bad"))
    total = added(chunks)
    assert total.content == ""
    assert total.response_metadata["prompt_feedback"] == {"block_reason": "SAFETY"}
    assert total.usage_metadata == {"input_tokens": 5, "output_tokens": 0, "total_tokens": 5}


def test_thought_summaries_become_thinking_blocks(chat: Any) -> None:
    thinking = {"promptTokenCount": 4, "totalTokenCount": 14, "thoughtsTokenCount": 10}
    answer = {**thinking, "candidatesTokenCount": 1, "totalTokenCount": 15}
    chunks_sent = [
        {**candidate({"text": "Let me think", "thought": True}), "usageMetadata": thinking},
        {**candidate({"text": " hard.", "thought": True}), "usageMetadata": thinking},
        {**candidate({"text": "42"}, finish="STOP"), "usageMetadata": answer},
    ]
    with FakeProviderServer(routes=recorded(*chunks_sent)) as gemini:
        chunks = list(chat(base_url=gemini.url, include_thoughts=True).stream("meaning of life?"))
        config = gemini.requests[-1].json["generationConfig"]
    assert config == {"thinkingConfig": {"include_thoughts": True}}
    total = added(chunks)
    assert total.content == [
        {"type": "thinking", "thinking": "Let me think hard.", "index": 0},
        "42",
    ]
    assert total.usage_metadata == {
        "input_tokens": 4,
        "output_tokens": 11,
        "total_tokens": 15,
        "output_token_details": {"reasoning": 10},
    }


def test_a_thought_signature_goes_back_with_its_function_call(chat: Any) -> None:
    # Example K of the protocol reference (gemini-3-pro-preview, signature shortened)
    usage = {
        "promptTokenCount": 29,
        "candidatesTokenCount": 15,
        "totalTokenCount": 89,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 29}],
        "thoughtsTokenCount": 45,
    }
    call = {"name": "weather", "args": {"location": "San Francisco"}}
    tail = {"modelVersion": "gemini-3-pro-preview", "responseId": "b36LacjwM668nsEP2tbsgQQ"}
    signed = candidate({"functionCall": call, "thoughtSignature": "EqsFCqgF"})
    example_k = [
        {**signed, "usageMetadata": usage, **tail},
        {**candidate({"text": ""}, finish="STOP"), "usageMetadata": usage, **tail},
    ]
    routes = recorded(*example_k, whole=candidate({"text": "Foggy."}, finish="STOP"))
    with FakeProviderServer(routes=routes) as gemini:
        model = chat(model="gemini-3-pro-preview", base_url=gemini.url)
        streamed = added(list(model.stream("weather in SF?")))
        [tool_call] = streamed.tool_calls
        history = [
            HumanMessage("weather in SF?"),
            streamed,
            ToolMessage("foggy", tool_call_id=tool_call["id"]),
        ]
        assert model.invoke(history).content == "Foggy."
        contents = gemini.requests[-1].json["contents"]
    assert (tool_call["name"], tool_call["args"]) == ("weather", {"location": "San Francisco"})
    assert streamed.usage_metadata == {
        "input_tokens": 29,
        "output_tokens": 60,
        "total_tokens": 89,
        "output_token_details": {"reasoning": 45},
    }
    assert contents[1:] == [
        {"parts": [{"functionCall": call, "thoughtSignature": "EqsFCqgF"}], "role": "model"},
        {
            "parts": [{"functionResponse": {"name": "weather", "response": {"output": "foggy"}}}],
            "role": "user",
        },
    ]


def test_a_function_call_id_from_gemini_is_kept(chat: Any) -> None:
    call = {"id": "fc-7", "name": "GetWeather", "args": {"city": "Rome"}}
    sent = {**candidate({"functionCall": call}, finish="STOP"), "modelVersion": MODEL}
    with FakeProviderServer(routes=recorded(sent)) as gemini:
        [chunk] = list(chat(base_url=gemini.url).stream("weather?"))
    assert chunk.tool_call_chunks == [
        {
            "name": "GetWeather",
            "args": '{"city": "Rome"}',
            "id": "fc-7",
            "index": 0,
            "type": "tool_call_chunk",
        }
    ]
    assert chunk.tool_calls[0]["id"] == "fc-7"


def test_usage_reported_after_the_finish_is_added_as_the_difference(chat: Any) -> None:
    def usage(candidates: int) -> dict[str, Any]:
        counts = {"promptTokenCount": 5, "candidatesTokenCount": candidates}
        return {"usageMetadata": {**counts, "totalTokenCount": 5 + candidates}}

    chunks_sent = [
        {**candidate({"text": "Hi"}), **usage(1)},
        {**candidate({"text": "!"}, finish="STOP"), **usage(2)},
        usage(3),
    ]
    with FakeProviderServer(routes=recorded(*chunks_sent)) as gemini:
        chunks = list(chat(base_url=gemini.url).stream("hi"))
    assert [c.usage_metadata for c in chunks] == [
        None,
        {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7},
        {"input_tokens": 0, "output_tokens": 1, "total_tokens": 1},
    ]
    total = added(chunks).usage_metadata
    assert total == {"input_tokens": 5, "output_tokens": 3, "total_tokens": 8}


async def test_googles_retry_info_sets_the_wait(mode: str) -> None:
    from runnel.testing._google import ROUTES

    def with_retry_info(status: int, message: str) -> dict[str, Any]:
        details = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.02s"}]
        body = {"code": status, "message": message, "status": "RESOURCE_EXHAUSTED"}
        return {"error": {**body, "details": details}}

    routes = [
        Route(
            r.method, r.pattern, r.handler, error_body=with_retry_info, error_frames=r.error_frames
        )
        for r in ROUTES
    ]
    with FakeProviderServer(routes=routes) as quota:
        model = ChatGoogleGenerativeAI(model=MODEL, api_key=KEY, base_url=quota.url, max_retries=0)
        quota.push(Reply(status=429, error_message="Quota exceeded"))
        with pytest.raises(ProviderError) as caught:
            await call(model, "hi", mode)
        assert (caught.value.status_code, caught.value.retry_after) == (429, 0.02)
        assert "retry-after" not in caught.value.__cause__.response.headers  # type: ignore[union-attr]
        quota.push(Reply(status=429), Reply("then ok"))
        answer = await call(model.model_copy(update={"max_retries": 1}), "hi", mode)
        assert answer.content == "then ok"
