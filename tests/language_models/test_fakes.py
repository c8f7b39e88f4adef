"""The fake models: LangChain's chunking, cycling answers, errors and native async."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from runnel.language_models import (
    FakeListChatModel,
    FakeListChatModelError,
    FakeListLLM,
    FakeListLLMError,
    FakeMessagesListChatModel,
    FakeStreamingListLLM,
    GenericFakeChatModel,
    ParrotFakeChatModel,
)
from runnel.messages import AIMessage, HumanMessage, merge_message_chunks
from runnel.utils.function_calling import convert_to_openai_tool

from .conftest import Path, TokenListener, texts

pytestmark = pytest.mark.anyio


async def test_generic_fake_splits_on_whitespace(path: Path) -> None:
    model = GenericFakeChatModel(messages=iter(["The sky appears blue during the day."] * 2))
    chunks = await path.stream(model, "what color is the sky?")
    words = ["The", "sky", "appears", "blue", "during", "the", "day."]
    assert texts(chunks) == [piece for word in words for piece in (word, " ")][:-1]
    assert [c.chunk_position for c in chunks].count("last") == 1
    assert chunks[-1].chunk_position == "last"
    assert (chunks[0] + chunks[1] + chunks[2] + chunks[3] + chunks[4]).content == "The sky appears"
    assert (await path.invoke(model, "again")).content == "The sky appears blue during the day."


async def test_generic_fake_keeps_lone_separators(path: Path) -> None:
    model = GenericFakeChatModel(messages=iter(["a  b\nc"]))
    assert texts(await path.stream(model, "x")) == ["a", " ", "", " ", "b", "\n", "c"]


async def test_generic_fake_streams_tool_calls_and_usage(path: Path) -> None:
    answer = AIMessage(
        "Let me check.",
        tool_calls=[
            {"name": "weather", "args": {"city": "Paris"}, "id": "call_1"},
            {"name": "time", "args": {}, "id": "call_2"},
        ],
        usage_metadata={"input_tokens": 3, "output_tokens": 5, "total_tokens": 8},
        response_metadata={"model_name": "fake"},
        id="msg-1",
    )
    chunks = await path.stream(GenericFakeChatModel(messages=iter([answer])), "x")
    # The arguments stream split on whitespace; the first piece names the call.
    assert texts(chunks) == ["Let", " ", "me", " ", "check.", "", "", "", ""]
    pieces = [c.tool_call_chunks for c in chunks[5:]]
    assert [[(p["name"], p["id"], p["args"], p["index"]) for p in ps] for ps in pieces] == [
        [("weather", "call_1", '{"city":', 0)],
        [(None, None, " ", 0)],
        [(None, None, '"Paris"}', 0)],
        [("time", "call_2", "{}", 1)],
    ]
    assert chunks[-1].usage_metadata == answer.usage_metadata
    whole = merge_message_chunks(chunks)
    assert whole.content == "Let me check."
    assert whole.tool_calls == answer.tool_calls
    assert whole.usage_metadata == answer.usage_metadata
    assert whole.response_metadata == {"model_name": "fake"}
    assert whole.id == "msg-1"


async def test_generic_fake_streams_invalid_tool_calls_unchanged(path: Path) -> None:
    answer = AIMessage(
        "", invalid_tool_calls=[{"name": "t", "args": "{not json", "id": "1", "error": None}]
    )
    chunks = await path.stream(GenericFakeChatModel(messages=iter([answer])), "x")
    whole = merge_message_chunks(chunks)
    assert whole.tool_calls == []
    assert [(c["name"], c["args"]) for c in whole.invalid_tool_calls] == [("t", "{not json")]


async def test_generic_fake_bind_tools_binds_openai_tools_and_the_choice() -> None:
    def get_weather(city: str) -> str:
        """Weather in a city."""
        return city

    bound = GenericFakeChatModel(messages=iter([])).bind_tools(
        [get_weather], tool_choice="get_weather", strict=True
    )
    assert bound.kwargs == {
        "tools": [convert_to_openai_tool(get_weather, strict=True)],
        "tool_choice": "get_weather",
    }
    assert bound.kwargs["tools"][0]["function"]["name"] == "get_weather"
    plain = GenericFakeChatModel(messages=iter([])).bind_tools([get_weather])
    assert "tool_choice" not in plain.kwargs


async def test_generic_fake_splits_function_call_arguments(path: Path) -> None:
    arguments = json.dumps({"a": 1, "b": 2})
    answer = AIMessage(
        "", additional_kwargs={"function_call": {"name": "f", "arguments": arguments}}
    )
    chunks = await path.stream(GenericFakeChatModel(messages=iter([answer])), "x")
    assert len(chunks) == 4  # the name, then the arguments split after each comma
    assert merge_message_chunks(chunks).additional_kwargs == answer.additional_kwargs


async def test_generic_fake_empty_answer_is_one_empty_chunk(path: Path) -> None:
    chunks = await path.stream(GenericFakeChatModel(messages=iter([""])), "x")
    assert texts(chunks) == [""]
    assert chunks[0].chunk_position == "last"


async def test_generic_fake_says_when_it_runs_out(path: Path) -> None:
    model = GenericFakeChatModel(messages=iter(["only"]))
    await path.invoke(model, "x")
    with pytest.raises(ValueError, match="no messages left"):
        await path.invoke(model, "x")


async def test_generic_fake_streams_under_an_event_listener(path: Path) -> None:
    listener = TokenListener()
    model = GenericFakeChatModel(messages=itertools.cycle(["a b"]))
    assert (await path.invoke(model, "x", {"callbacks": [listener]})).content == "a b"
    assert [v for kind, v in listener.log if kind == "token"] == ["a", " ", "b"]


async def test_fake_list_chat_model_cycles_and_streams_characters(path: Path) -> None:
    model = FakeListChatModel(responses=["ab", "c"])
    assert (await path.invoke(model, "x")).content == "ab"
    chunks = await path.stream(model, "x")
    assert texts(chunks) == ["c"]
    assert chunks[0].chunk_position == "last"
    assert texts(await path.stream(model, "x")) == ["a", "b"]
    assert model.i == 1


async def test_fake_list_chat_model_batch_keeps_the_order(path: Path) -> None:
    model = FakeListChatModel(responses=["1", "2", "3"])
    out = await path.batch(model, ["a", "b", "c"])
    assert [m.content for m in out] == ["1", "2", "3"]


async def test_fake_list_chat_model_fails_on_a_chunk(path: Path) -> None:
    model = FakeListChatModel(responses=["abc"], error_on_chunk_number=1)
    got: list[Any] = []
    with pytest.raises(FakeListChatModelError):
        if path.is_async:
            async for chunk in model.astream("x"):
                got.append(chunk)
        else:
            got.extend(model.stream("x"))
    assert texts(got) == ["a"]


async def test_fake_messages_list_model_answers_in_turn(path: Path) -> None:
    answers = [
        AIMessage("one"),
        AIMessage("two", tool_calls=[{"name": "t", "args": {}, "id": "1"}]),
    ]
    model = FakeMessagesListChatModel(responses=answers)
    first, second, third = [await path.invoke(model, "x") for _ in range(3)]
    assert [first.content, second.content, third.content] == ["one", "two", "one"]
    assert second.tool_calls == answers[1].tool_calls
    chunks = await path.stream(model, "x")  # no streaming: one whole message
    assert [type(c) for c in chunks] == [AIMessage]


async def test_parrot_repeats_the_last_message(path: Path) -> None:
    question = HumanMessage("polly?")
    answer = await path.invoke(ParrotFakeChatModel(), [question])
    assert answer.content == "polly?"
    assert question.id is None  # the input is not changed
    with pytest.raises(ValueError, match="at least one message"):
        await path.invoke(ParrotFakeChatModel(), [])


async def test_fake_list_llm_cycles(path: Path) -> None:
    model = FakeListLLM(responses=["a", "b"])
    assert [await path.invoke(model, "x") for _ in range(3)] == ["a", "b", "a"]
    assert await path.stream(model, "x") == ["b"]
    assert await path.batch(FakeListLLM(responses=["1", "2"]), ["x", "y"]) == ["1", "2"]


async def test_fake_streaming_list_llm_streams_characters(path: Path) -> None:
    model = FakeStreamingListLLM(responses=["hey", ""])
    assert await path.stream(model, "x") == ["h", "e", "y"]
    assert await path.stream(model, "x") == [""]
    assert await path.invoke(model, "x") == "hey"


async def test_fake_streaming_list_llm_fails_on_a_chunk(path: Path) -> None:
    model = FakeStreamingListLLM(responses=["abc"], error_on_chunk_number=2)
    with pytest.raises(FakeListLLMError):
        await path.stream(model, "x")
