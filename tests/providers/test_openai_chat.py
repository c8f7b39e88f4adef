"""ChatOpenAI against the fake server through the official SDK: usage details and metadata,
the request it sends. Streaming, invoke, batch, tracing metadata, key hygiene, failures and
cancellation are the contract every provider keeps: see test_contract.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from runnel.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from runnel.providers.openai import ChatOpenAI
from runnel.testing import FakeProviderServer, Reply, Usage

pytestmark = pytest.mark.anyio

KEY = "sk-runnel-secret-0123456789"

Collect = Callable[..., Awaitable[list[Any]]]


def chat(server: FakeProviderServer, **kwargs: Any) -> ChatOpenAI:
    options: dict[str, Any] = {"model": "gpt-4o-mini", "api_key": KEY, **kwargs}
    options.setdefault("base_url", server.url + "/v1")
    return ChatOpenAI(**options)


@pytest.fixture(params=["sync", "async"])
def collect(request: pytest.FixtureRequest) -> Collect:
    """Stream a runnable's output with `stream` or `astream`."""

    async def run(runnable: Any, input: Any, **kwargs: Any) -> list[Any]:
        if request.param == "sync":
            return list(runnable.stream(input, **kwargs))
        return [chunk async for chunk in runnable.astream(input, **kwargs)]

    return run


@pytest.fixture(params=["sync", "async"])
def invoke(request: pytest.FixtureRequest) -> Collect:
    """Call a runnable's `invoke` or `ainvoke`."""

    async def run(runnable: Any, input: Any, **kwargs: Any) -> Any:
        if request.param == "sync":
            return runnable.invoke(input, **kwargs)
        return await runnable.ainvoke(input, **kwargs)

    return run  # type: ignore[return-value]


def total(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    result = chunks[0]
    for chunk in chunks[1:]:
        result = result + chunk
    return result


# -- streaming -------------------------------------------------------------------------------
async def test_the_last_chunk_reports_cache_reads_and_the_provider(
    server: FakeProviderServer, collect: Collect
) -> None:
    server.push(Reply("Hello there world", usage=Usage(12, cache_read_tokens=4)))
    chunks = await collect(chat(server), "hi")
    assert chunks[-1].usage_metadata == {
        "input_tokens": 12,
        "output_tokens": 3,
        "total_tokens": 15,
        "input_token_details": {"audio": 0, "cache_read": 4},
        "output_token_details": {"audio": 0, "reasoning": 0},
    }
    assert total(chunks).response_metadata["model_provider"] == "openai"


async def test_streams_ask_for_usage_even_with_a_custom_base_url(
    server: FakeProviderServer, collect: Collect
) -> None:
    server.push("a b")
    await collect(chat(server), "hi")
    body = server.requests[-1].json
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


async def test_stream_usage_false_asks_for_none(
    server: FakeProviderServer, collect: Collect
) -> None:
    server.push("a b", "c d")
    chunks = await collect(chat(server, stream_usage=False), "hi")
    assert "stream_options" not in server.requests[-1].json
    assert total(chunks).usage_metadata is None
    assert total(chunks).response_metadata["finish_reason"] == "stop"
    await collect(chat(server), "hi", stream_usage=False)
    assert "stream_options" not in server.requests[-1].json


async def test_stream_reports_reasoning_tokens_and_a_scripted_model_name(
    server: FakeProviderServer, collect: Collect
) -> None:
    server.push(Reply("x", model="gpt-4o-2024-08-06", usage=Usage(5, 7, reasoning_tokens=6)))
    whole = total(await collect(chat(server), "hi"))
    assert whole.usage_metadata == {
        "input_tokens": 5,
        "output_tokens": 7,
        "total_tokens": 12,
        "input_token_details": {"audio": 0, "cache_read": 0},
        "output_token_details": {"audio": 0, "reasoning": 6},
    }
    assert whole.response_metadata["model_name"] == "gpt-4o-2024-08-06"


# -- invoke ----------------------------------------------------------------------------------
async def test_invoke_keeps_the_token_usage_and_asks_no_stream_options(
    server: FakeProviderServer, invoke: Collect
) -> None:
    server.push(Reply("Bonjour à tous", usage=Usage(9)))
    message = await invoke(chat(server), "hi")
    assert message.content == "Bonjour à tous"
    assert message.response_metadata["token_usage"]["prompt_tokens"] == 9
    assert "stream_options" not in server.requests[-1].json


async def test_streaming_true_makes_invoke_stream(
    server: FakeProviderServer, invoke: Collect
) -> None:
    server.push("one two")
    message = await invoke(chat(server, streaming=True), "hi")
    assert message.content == "one two"
    assert message.usage_metadata is not None
    assert server.requests[-1].json["stream"] is True


# -- the request -----------------------------------------------------------------------------
async def test_request_carries_every_kind_of_message(
    server: FakeProviderServer, invoke: Collect
) -> None:
    server.push("done")
    messages = [
        SystemMessage("You are terse."),
        HumanMessage(
            [
                {"type": "text", "text": "What is in this image?"},
                {"type": "image", "url": "https://example.com/cat.png"},
            ]
        ),
        AIMessage(
            "Let me look.",
            tool_calls=[{"name": "lookup", "args": {"q": "café"}, "id": "call_1"}],
        ),
        ToolMessage("a cat", tool_call_id="call_1"),
        AIMessage("", tool_calls=[{"name": "lookup", "args": {}, "id": "call_2"}]),
        ToolMessage([{"type": "text", "text": "still"}, " a cat"], tool_call_id="call_2"),
        ChatMessage("note", role="user", name="bob"),
        HumanMessage("So?"),
    ]
    await invoke(chat(server, temperature=0.2, max_tokens=64, stop=["END"]), messages)
    body = server.requests[-1].json
    assert body["model"] == "gpt-4o-mini"
    assert body["temperature"] == 0.2
    assert body["max_completion_tokens"] == 64
    assert body["stop"] == ["END"]
    assert body["messages"] == [
        {"role": "system", "content": "You are terse."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in this image?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
            ],
        },
        {
            "role": "assistant",
            "content": "Let me look.",
            "tool_calls": [
                {
                    "type": "function",
                    "id": "call_1",
                    "function": {"name": "lookup", "arguments": '{"q": "café"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "a cat"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "type": "function",
                    "id": "call_2",
                    "function": {"name": "lookup", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_2", "content": "still a cat"},
        {"role": "user", "content": "note", "name": "bob"},
        {"role": "user", "content": "So?"},
    ]
    headers = server.requests[-1].headers
    assert headers["authorization"] == f"Bearer {KEY}"


async def test_call_options_override_and_extend_the_request(
    server: FakeProviderServer, collect: Collect
) -> None:
    server.push("x")
    model = chat(server, temperature=0.5, model_kwargs={"user": "u1"}, extra_body={"top_k": 3})
    await collect(model, "hi", stop=["\n"], temperature=0.0, seed=7)
    body = server.requests[-1].json
    assert body["temperature"] == 0.0 and body["seed"] == 7 and body["stop"] == ["\n"]
    assert body["user"] == "u1" and body["top_k"] == 3


async def test_o_series_models_get_the_developer_role(server: FakeProviderServer) -> None:
    server.push("x")
    chat(server, model="o3-mini").invoke([SystemMessage("rules"), HumanMessage("q")])
    assert server.requests[-1].json["messages"][0] == {"role": "developer", "content": "rules"}


def test_unknown_parameters_go_to_model_kwargs_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="logit_scale"):
        model = ChatOpenAI(api_key="k", logit_scale=2)
    assert model.model_kwargs == {"logit_scale": 2}


def test_langchain_field_names_are_accepted() -> None:
    model = ChatOpenAI(
        model_name="gpt-4o",
        openai_api_key="k",
        openai_api_base="http://localhost:1/v1",
        max_completion_tokens=10,
        request_timeout=3.0,
        stop_sequences=["x"],
    )
    assert model.model == model.model_name == "gpt-4o"
    assert model.max_tokens == 10 and model.timeout == 3.0 and model.stop == ["x"]
    assert model.base_url == "http://localhost:1/v1"
