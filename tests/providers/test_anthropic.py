"""ChatAnthropic against the fake Anthropic server, through the official ``anthropic`` SDK."""

from __future__ import annotations

import importlib
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from tests.providers._streams import added, call, collect

from runnel.chat_models import init_chat_model
from runnel.messages import (
    AIMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from runnel.providers.anthropic import ChatAnthropic
from runnel.providers.anthropic._messages import format_messages
from runnel.testing import FakeProviderServer, Reply, ToolCall, Usage

pytestmark = pytest.mark.anyio

MODEL = "claude-3-haiku-20240307"
KEY = "sk-ant-test-5ecret-0123456789"


@pytest.fixture
async def chat(server: FakeProviderServer) -> AsyncIterator[Any]:
    made: list[ChatAnthropic] = []

    def make(**kwargs: Any) -> ChatAnthropic:
        made.append(ChatAnthropic(model=MODEL, api_key=KEY, base_url=server.url, **kwargs))
        return made[-1]

    yield make
    for model in made:
        await model.aclose()


# -- streaming ---------------------------------------------------------------------------------
async def test_the_first_chunk_carries_the_input_usage_as_seed_002_shows(
    chat: Any, server: Any, mode: str
) -> None:
    server.push(Reply("Here's a song", usage=Usage(input_tokens=21)))
    first = (await collect(chat(), "Write a song", mode))[0]
    assert first.content == ""
    assert first.response_metadata == {}
    assert first.usage_metadata == {
        "input_tokens": 21,
        "output_tokens": 1,
        "total_tokens": 22,
        "input_token_details": {"cache_creation": 0, "cache_read": 0},
    }


async def test_the_chunks_add_up_to_the_final_cumulative_usage(
    chat: Any, server: Any, mode: str
) -> None:
    usage = Usage(input_tokens=50, output_tokens=7, cache_read_tokens=20, cache_creation_tokens=5)
    server.push(Reply("a b c", usage=usage))
    chunks = await collect(chat(), "hi", mode)
    total = added(chunks)
    assert total.content == "a b c"
    assert total.usage_metadata == {
        "input_tokens": 50,
        "output_tokens": 7,
        "total_tokens": 57,
        "input_token_details": {"cache_creation": 5, "cache_read": 20},
    }
    last = chunks[-1]
    assert last.chunk_position == "last"
    assert last.response_metadata == {
        "model_name": MODEL,
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "model_provider": "anthropic",
    }
    assert total.response_metadata == last.response_metadata


async def test_stream_usage_false_leaves_usage_out(chat: Any, server: Any, mode: str) -> None:
    server.push(Reply("a b"))
    chunks = await collect(chat(stream_usage=False), "hi", mode)
    assert all(c.usage_metadata is None for c in chunks)
    assert added(chunks).response_metadata["stop_reason"] == "end_turn"


# -- whole answers -----------------------------------------------------------------------------
# (the contract in test_contract.py checks the rest of invoke, batch, the keys, failures)
async def test_invoke_reports_cache_reads_and_the_message_metadata(
    chat: Any, server: Any, mode: str
) -> None:
    server.push(Reply("Hello there", usage=Usage(input_tokens=12, cache_read_tokens=2)))
    answer = await call(chat(), "hi", mode)
    assert answer.usage_metadata == {
        "input_tokens": 12,
        "output_tokens": 2,
        "total_tokens": 14,
        "input_token_details": {"cache_creation": 0, "cache_read": 2},
    }
    metadata = answer.response_metadata
    assert metadata["model_name"] == metadata["model"] == MODEL
    assert (metadata["stop_reason"], metadata["stop_sequence"]) == ("end_turn", None)
    assert metadata["id"].startswith("msg_")


async def test_invoke_streams_when_asked(chat: Any, server: Any, mode: str) -> None:
    server.push(Reply("a b c", usage=Usage(input_tokens=3)))
    answer = await call(chat(streaming=True), "hi", mode)
    assert answer.content == "a b c"
    assert answer.usage_metadata["total_tokens"] == 6
    assert server.requests[-1].json["stream"] is True


# -- events ------------------------------------------------------------------------------------
async def test_events_carry_the_langsmith_params_as_seed_002_shows(chat: Any, server: Any) -> None:
    server.push(Reply(["Here's", " a song"]))
    events = [e async for e in chat().astream_events("Write a song")]
    names = [e["event"] for e in events]
    assert names == ["on_chat_model_start", *["on_chat_model_stream"] * 4, "on_chat_model_end"]
    for event in events:
        assert event["metadata"] == {
            "ls_provider": "anthropic",
            "ls_model_name": MODEL,
            "ls_model_type": "chat",
            "ls_temperature": None,
            "ls_max_tokens": 1024,
        }
    assert events[1]["data"]["chunk"].usage_metadata["input_tokens"] == 10
    assert events[-1]["data"]["output"].content == "Here's a song"


async def test_events_report_the_temperature_and_stop(chat: Any, server: Any) -> None:
    server.push(Reply("ok"))
    model = chat(temperature=0.3, max_tokens=99)
    events = [e async for e in model.astream_events("hi", stop=["END"])]
    metadata = events[0]["metadata"]
    assert (metadata["ls_temperature"], metadata["ls_max_tokens"]) == (0.3, 99)
    assert metadata["ls_stop"] == ["END"]


# -- requests ----------------------------------------------------------------------------------
async def test_messages_of_every_kind_become_anthropic_turns(
    chat: Any, server: Any, mode: str
) -> None:
    server.push(Reply("It is sunny."))
    model = chat(temperature=0.2, top_k=5, top_p=0.9, stop_sequences=["\n\nHuman:"])
    image = "data:image/png;base64,iVBORw0KGgo="
    messages = [
        SystemMessage("You are terse."),
        HumanMessage(
            [
                {"type": "text", "text": "What is the weather here?"},
                {"type": "image_url", "image_url": {"url": image}},
            ]
        ),
        AIMessage(
            "Let me look.",
            tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "toolu_1"}],
        ),
        ToolMessage("18C and sunny", tool_call_id="toolu_1"),
        ToolMessage("no such tool", tool_call_id="toolu_2", status="error"),
        HumanMessage("Thanks. So?"),
    ]
    await call(model, messages, mode)
    body = server.requests[-1].json
    assert body == {
        "model": MODEL,
        "max_tokens": 1024,
        "system": "You are terse.",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is the weather here?"},
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/png",
                            "data": "iVBORw0KGgo=",
                        },
                    },
                ],
            },
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Let me look."},
                    {
                        "type": "tool_use",
                        "id": "toolu_1",
                        "name": "get_weather",
                        "input": {"city": "Paris"},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C and sunny"},
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_2",
                        "content": "no such tool",
                        "is_error": True,
                    },
                    {"type": "text", "text": "Thanks. So?"},
                ],
            },
        ],
        "stop_sequences": ["\n\nHuman:"],
        "temperature": 0.2,
        "top_k": 5,
        "top_p": 0.9,
    }


async def test_a_call_stop_replaces_the_default_stop_sequences(chat: Any, server: Any) -> None:
    server.push(Reply("ok"))
    await chat(stop=["a"]).ainvoke("hi", stop=["b"])
    assert server.requests[-1].json["stop_sequences"] == ["b"]


async def test_headers_model_kwargs_and_thinking_are_sent(chat: Any, server: Any) -> None:
    server.push(Reply("ok"))
    model = chat(
        default_headers={"anthropic-beta": "some-beta"},
        model_kwargs={"metadata": {"user_id": "u1"}},
        thinking={"type": "enabled", "budget_tokens": 2048},
    )
    await model.ainvoke([SystemMessage("a"), SystemMessage("b"), HumanMessage("hi")])
    request = server.requests[-1]
    assert request.headers["anthropic-beta"] == "some-beta"
    assert request.json["metadata"] == {"user_id": "u1"}
    assert request.json["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert request.json["system"] == [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]


async def test_a_message_added_up_from_a_stream_can_be_sent_back(
    chat: Any, server: Any, mode: str
) -> None:
    server.push(
        Reply("Checking", tool_calls=[ToolCall("get_weather", {"city": "Paris"}, id="toolu_9")])
    )
    model = chat().bind_tools([{"name": "get_weather", "input_schema": {"type": "object"}}])
    streamed = added(await collect(model, "weather?", mode))
    server.push(Reply("Sunny"))
    history = [HumanMessage("weather?"), streamed, ToolMessage("sunny", tool_call_id="toolu_9")]
    await call(model, history, mode)
    assistant = server.requests[-1].json["messages"][1]
    assert assistant == {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "Checking"},
            {
                "type": "tool_use",
                "id": "toolu_9",
                "name": "get_weather",
                "input": {"city": "Paris"},
            },
        ],
    }


# -- keys and settings -------------------------------------------------------------------------
@pytest.mark.parametrize("variable", ["ANTHROPIC_API_URL", "ANTHROPIC_BASE_URL"])
async def test_the_url_may_come_from_the_environment(
    server: Any, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_URL", raising=False)
    monkeypatch.setenv(variable, server.url)
    server.push(Reply("from the fake"))
    model = ChatAnthropic(model=MODEL, api_key=KEY)
    assert (await model.ainvoke("hi")).content == "from the fake"
    await model.aclose()


def test_langchain_field_names_are_accepted() -> None:
    model = ChatAnthropic(
        model_name=MODEL,
        max_tokens_to_sample=77,
        anthropic_api_key=KEY,
        anthropic_api_url="http://127.0.0.1:9",
        stop=["x"],
        default_request_timeout=3.0,
    )
    assert (model.model, model.max_tokens, model.stop_sequences) == (MODEL, 77, ["x"])
    assert model.anthropic_api_key is not None
    assert model.anthropic_api_key.get_secret_value() == KEY
    assert (model.anthropic_api_url, model.timeout) == ("http://127.0.0.1:9", 3.0)
    assert model.max_tokens == 77 and ChatAnthropic(model=MODEL, api_key=KEY).max_tokens == 1024


async def test_init_chat_model_makes_a_chat_anthropic(server: Any) -> None:
    server.push(Reply("ok"))
    model = init_chat_model(f"anthropic:{MODEL}", api_key=KEY, base_url=server.url)
    assert isinstance(model, ChatAnthropic)
    assert (await model.ainvoke("hi")).content == "ok"
    await model.aclose()
    assert isinstance(init_chat_model(MODEL, api_key=KEY), ChatAnthropic)


def test_without_the_sdk_the_import_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [
        m for m in sys.modules if m.startswith(("runnel.providers.anthropic", "anthropic"))
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "anthropic", None)
    with pytest.raises(ImportError, match=r'pip install "runnel\[anthropic\]"'):
        importlib.import_module("runnel.providers.anthropic")


# -- message formats ---------------------------------------------------------------------------
def test_images_in_every_format_become_anthropic_image_blocks() -> None:
    url_source = {"type": "url", "url": "https://example.com/cat.png"}
    base64_source = {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"}
    content: list[Any] = [
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {"type": "image_url", "image_url": "data:image/jpeg;base64,/9j/4AAQ"},
        {"type": "image", "url": "https://example.com/cat.png"},
        {"type": "image", "base64": "/9j/4AAQ", "mime_type": "image/jpeg"},
        {"type": "image", "source_type": "base64", "data": "/9j/4AAQ", "mime_type": "image/jpeg"},
        {"type": "image", "source": base64_source},
    ]
    _, turns = format_messages([HumanMessage(content)])
    sources = [block["source"] for block in turns[0]["content"]]
    assert sources == [url_source, base64_source, url_source, base64_source, base64_source,
                       base64_source]  # fmt: skip
    with pytest.raises(ValueError, match="http"):
        format_messages([HumanMessage([{"type": "image_url", "image_url": {"url": "ftp://x"}}])])


def test_turns_alternate_and_a_prefill_loses_its_trailing_space() -> None:
    system, turns = format_messages(
        [
            ChatMessage("Be brief.", role="system"),
            HumanMessage("a"),
            AIMessage(""),
            HumanMessage("b"),
            AIMessage([{"type": "text", "text": ""}, {"type": "text", "text": "The answer is "}]),
        ]
    )
    assert system == "Be brief."
    assert turns == [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "The answer is"}]},
    ]
