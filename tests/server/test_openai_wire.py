"""The pure pieces behind the chat endpoints: request reading, part reading, encoding, input
adapters. Real runs feed `PartReader` here (their `astream_events`), so it sees the events
runnel actually produces."""

from __future__ import annotations

import contextlib
import itertools
import json
from typing import Any

import pytest

from runnel.language_models import GenericFakeChatModel
from runnel.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from runnel.output_parsers import StrOutputParser
from runnel.prompts import ChatPromptTemplate
from runnel.runnables import RunnableLambda
from runnel.server._errors import HTTPProblem
from runnel.server._oai_encode import CompletionEncoder, openai_usage
from runnel.server._oai_request import parse_chat_request
from runnel.server._ui_input import (
    InputAdapterError,
    infer_input_adapter,
    last_user_text,
    messages_input,
)
from runnel.server._ui_parts import (
    CustomData,
    Finished,
    OutputTypeError,
    Part,
    PartReader,
    ReasoningDelta,
    TextDelta,
    ToolCallDelta,
    ToolFailed,
    ToolFinished,
    ToolStarted,
)
from runnel.tools import tool

pytestmark = pytest.mark.anyio

USAGE = {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}


def model(*answers: AIMessage | str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=itertools.cycle(answers))


async def parts_of(runnable: Any, value: Any) -> list[Part]:
    reader = PartReader()
    out: list[Part] = []
    async for event in runnable.astream_events(value, version="v2"):
        out.extend(reader.feed(event))
    return out


# -- PartReader on real runs --------------------------------------------------------------


async def test_a_parser_chain_streams_its_text_and_the_model_usage() -> None:
    prompt = ChatPromptTemplate.from_messages([("placeholder", "{messages}")])
    chain = prompt | model(AIMessage("one two", usage_metadata=USAGE)) | StrOutputParser()
    parts = await parts_of(chain, {"messages": [("human", "hi")]})
    assert parts[:-1] == [TextDelta("one"), TextDelta(" "), TextDelta("two")]
    assert parts[-1] == Finished("one two", "stop", USAGE)


async def test_usage_of_several_models_adds_up() -> None:
    first = model(AIMessage("a", usage_metadata=USAGE))
    second = model(AIMessage("b", usage_metadata=USAGE))
    parts = await parts_of(first | (lambda m: [m]) | second, "hi")
    finished = parts[-1]
    assert isinstance(finished, Finished)
    assert finished.usage == {"input_tokens": 6, "output_tokens": 4, "total_tokens": 10}


async def test_without_any_model_usage_comes_from_the_output_message_or_is_none() -> None:
    message = AIMessage("x", usage_metadata=USAGE)
    parts = await parts_of(RunnableLambda(lambda _: message), "hi")
    assert parts[-1] == Finished(message, "stop", USAGE)
    parts = await parts_of(RunnableLambda(lambda _: "plain"), "hi")
    assert parts == [TextDelta("plain"), Finished("plain", "stop", None)]


async def test_tool_call_pieces_keep_one_index_per_call() -> None:
    answer = AIMessage(
        "",
        tool_calls=[
            {"name": "weather", "args": {"city": "Paris"}, "id": "call_1"},
            {"name": "clock", "args": {}, "id": "call_2"},
        ],
    )
    parts = await parts_of(model(answer), "hi")
    calls = [p for p in parts if isinstance(p, ToolCallDelta)]
    assert {p.index for p in calls} == {0, 1}
    first = [p for p in calls if p.index == 0]
    assert (first[0].id, first[0].name) == ("call_1", "weather")
    assert json.loads("".join(p.args for p in first)) == {"city": "Paris"}
    assert parts[-1].finish_reason == "tool_calls"  # type: ignore[union-attr]


def test_whole_messages_and_continuation_pieces() -> None:
    reader = PartReader()
    start = {"event": "on_chain_start", "run_id": "r", "parent_ids": [], "name": "x", "data": {}}
    assert reader.feed(start) == []

    def stream(chunk: Any) -> list[Part]:
        return reader.feed({**start, "event": "on_chain_stream", "data": {"chunk": chunk}})

    whole = AIMessage("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}])
    assert stream(whole) == [ToolCallDelta(0, "c1", "f", '{"a": 1}')]
    piece = AIMessageChunk("", tool_call_chunks=[{"name": "g", "args": '{"b"', "id": "c2"}])
    assert stream(piece) == [ToolCallDelta(1, "c2", "g", '{"b"')]
    rest = AIMessageChunk("", tool_call_chunks=[{"args": ": 2}"}])
    assert stream(rest) == [ToolCallDelta(1, None, None, ": 2}")]


def test_reasoning_and_provider_finish_reasons() -> None:
    reader = PartReader()
    base = {"run_id": "r", "parent_ids": [], "name": "m"}
    reader.feed({**base, "event": "on_chat_model_start", "data": {}})
    chunk = AIMessageChunk(
        [{"type": "thinking", "thinking": "hmm"}, {"type": "text", "text": "hi"}],
        additional_kwargs={"reasoning_content": "so "},
        response_metadata={"stop_reason": "max_tokens"},
    )
    parts = reader.feed({**base, "event": "on_chat_model_stream", "data": {"chunk": chunk}})
    assert parts == [ReasoningDelta("so hmm"), TextDelta("hi")]
    end = reader.feed({**base, "event": "on_chat_model_end", "data": {"output": chunk}})
    assert end == [Finished(chunk, "length", None)]


async def test_tools_and_custom_events_inside_the_run() -> None:
    from runnel.callbacks.manager import adispatch_custom_event

    @tool
    def weather(city: str) -> dict[str, int]:
        """Get the weather."""
        return {"temp": 18}

    @tool
    def broken(city: str) -> str:
        """Always fails."""
        raise ValueError("no")

    async def agent(_: Any) -> str:
        await adispatch_custom_event("progress", {"step": 1})
        await weather.ainvoke({"city": "Paris"})
        with contextlib.suppress(ValueError):
            await broken.ainvoke({"city": "Paris"})
        return "done"

    parts = await parts_of(RunnableLambda(agent), "hi")
    kinds = [type(p) for p in parts]
    assert kinds == [
        CustomData,
        ToolStarted,
        ToolFinished,
        ToolStarted,
        ToolFailed,
        TextDelta,
        Finished,
    ]
    started, finished = parts[1], parts[2]
    assert isinstance(started, ToolStarted) and isinstance(finished, ToolFinished)
    assert (started.name, started.input) == ("weather", {"city": "Paris"})
    assert finished.call_id == started.call_id and finished.output == {"temp": 18}
    assert parts[0] == CustomData("progress", {"step": 1})


async def test_an_output_that_is_not_text_is_refused_with_a_clear_message() -> None:
    with pytest.raises(OutputTypeError, match="a dict; a chat endpoint needs"):
        await parts_of(RunnableLambda(lambda _: {"answer": 1}), "hi")


# -- CompletionEncoder ----------------------------------------------------------------------


def test_chunks_carry_the_full_field_set_and_fold_into_the_completion() -> None:
    encoder = CompletionEncoder(model="m", include_usage=True, id="chatcmpl-1", created=7)
    (first,) = encoder.start()
    assert first == {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 7,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "delta": {"role": "assistant", "content": ""},
                "logprobs": None,
                "finish_reason": None,
            }
        ],
        "usage": None,
    }
    parts: list[Part] = [
        ReasoningDelta("think"),
        TextDelta("Hel"),
        TextDelta("lo"),
        ToolCallDelta(0, "call_1", "f", '{"a"'),
        ToolCallDelta(0, None, None, ": 1}"),
        ToolStarted("r", "t", {}),  # no place in a completion
        Finished("Hello", "tool_calls", {**USAGE, "output_token_details": {"reasoning": 1}}),
    ]
    chunks = [chunk for part in parts for chunk in encoder.feed(part)]
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    assert deltas == [
        {"reasoning_content": "think"},
        {"content": "Hel"},
        {"content": "lo"},
        {
            "tool_calls": [
                {
                    "index": 0,
                    "id": "call_1",
                    "type": "function",
                    "function": {"arguments": '{"a"', "name": "f"},
                }
            ]
        },
        {"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]},
        {},
    ]
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"] == {
        "prompt_tokens": 3,
        "completion_tokens": 2,
        "total_tokens": 5,
        "completion_tokens_details": {"reasoning_tokens": 1},
    }
    completion = encoder.completion(parts[-1])  # type: ignore[arg-type]
    assert completion["object"] == "chat.completion"
    assert completion["choices"][0]["message"] == {
        "role": "assistant",
        "content": "Hello",
        "refusal": None,
        "reasoning_content": "think",
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
        ],
    }


def test_a_tool_call_only_answer_has_null_content_and_usage_may_be_unknown() -> None:
    encoder = CompletionEncoder(model="m")
    encoder.fold(ToolCallDelta(0, "c", "f", "{}"))
    done = Finished(None, "tool_calls", None)
    assert encoder.feed(done)[0].get("usage", "absent") == "absent"  # not asked for
    completion = encoder.completion(done)
    assert completion["choices"][0]["message"]["content"] is None
    assert completion["usage"] is None
    assert openai_usage({**USAGE, "input_token_details": {"cache_read": 2}}) == {  # type: ignore[typeddict-item]
        "prompt_tokens": 3,
        "completion_tokens": 2,
        "total_tokens": 5,
        "prompt_tokens_details": {"cached_tokens": 2},
    }


# -- request bodies -------------------------------------------------------------------------


def test_a_full_request_is_read_and_unknown_keys_ignored() -> None:
    request = parse_chat_request(
        {
            "model": "chain",
            "stream": True,
            "stream_options": {"include_usage": True},
            "temperature": 0.2,
            "user": {"id": "open-webui adds objects here"},
            "messages": [
                {"role": "developer", "content": "be brief"},
                {"role": "user", "content": [{"type": "text", "text": "weather?"}], "name": "ann"},
                {
                    "role": "assistant",
                    "content": None,
                    "refusal": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "18 C"},
            ],
        }
    )
    assert (request.model, request.stream, request.include_usage) == ("chain", True, True)
    assert request.options == {"temperature": 0.2}
    system, user, assistant, result = request.messages
    assert isinstance(system, SystemMessage) and system.content == "be brief"
    assert isinstance(user, HumanMessage) and user.name == "ann" and user.text == "weather?"
    assert isinstance(assistant, AIMessage)
    assert assistant.tool_calls[0]["args"] == {"city": "Paris"}
    assert isinstance(result, ToolMessage) and result.tool_call_id == "call_1"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ([], None),
        ({}, "messages"),
        ({"messages": []}, "messages"),
        ({"messages": ["hi"]}, "messages[0]"),
        ({"messages": [{"role": "function", "content": "x"}]}, "messages[0].role"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages[0]"),
        ({"messages": [{"role": "user", "content": "x"}], "n": 2}, "n"),
        ({"messages": [{"role": "user", "content": "x"}], "stream": "yes"}, "stream"),
    ],
)
def test_malformed_requests_name_the_param(body: Any, param: str | None) -> None:
    with pytest.raises(HTTPProblem) as caught:
        parse_chat_request(body)
    assert caught.value.status_code == 400
    assert caught.value.type == "invalid_request_error"
    assert caught.value.detail == {"param": param}


def test_include_usage_only_counts_when_streaming() -> None:
    body = {
        "messages": [{"role": "user", "content": "x"}],
        "stream_options": {"include_usage": True},
    }
    assert parse_chat_request(body).include_usage is False


# -- input adapters -------------------------------------------------------------------------

CONVERSATION = [SystemMessage("sys"), HumanMessage("q1"), AIMessage("a1"), HumanMessage("q2")]


def test_adapters_are_inferred_from_the_input_schema() -> None:
    history_prompt = ChatPromptTemplate.from_messages(
        [("placeholder", "{history}"), ("human", "{question}")]
    )
    messages_prompt = ChatPromptTemplate.from_messages([("placeholder", "{messages}")])
    question_prompt = ChatPromptTemplate.from_messages([("human", "{question}")])
    chat_model = model("x")

    def adapt(runnable: Any) -> Any:
        return infer_input_adapter(runnable.get_input_jsonschema())(CONVERSATION)

    assert adapt(history_prompt) == {"history": CONVERSATION[:3], "question": "q2"}
    assert adapt(messages_prompt) == {"messages": CONVERSATION}
    assert adapt(question_prompt) == {"question": "q2"}
    assert adapt(chat_model) == CONVERSATION
    assert infer_input_adapter({"type": "string"}) is last_user_text
    assert infer_input_adapter({"type": "array"}) is messages_input


def test_an_input_no_conversation_can_fill_is_a_server_error_naming_the_keys() -> None:
    prompt = ChatPromptTemplate.from_messages([("human", "{a} and {b}")])
    adapter = infer_input_adapter(prompt.get_input_jsonschema())
    with pytest.raises(InputAdapterError, match="'a', 'b'") as caught:
        adapter(CONVERSATION)
    assert caught.value.status_code == 500


def test_a_conversation_without_a_user_message_is_a_client_error() -> None:
    with pytest.raises(InputAdapterError, match="no user message") as caught:
        last_user_text([SystemMessage("only")])
    assert caught.value.status_code == 400
