"""The OpenAI-family stream decoder, fed lines directly: framing, variants, usage, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runnel.exceptions import ProviderError
from runnel.messages import AIMessageChunk
from runnel.outputs import ChatGenerationChunk
from runnel.providers.openai._stream import ChatDecoder, CompletionDecoder
from runnel.testing import Reply, Request, ToolCall, Usage
from runnel.testing._openai import FLAVOURS, _chat_stream


def lines_of(*payloads: Any) -> list[str]:
    """SSE lines for payloads (dicts as JSON), each event closed by a blank line."""
    lines: list[str] = []
    for payload in payloads:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        lines += [f"data: {data}", ""]
    return lines


def decode(lines: list[str]) -> tuple[list[ChatGenerationChunk], ChatDecoder]:
    decoder = ChatDecoder("openai", "openai")
    chunks = [c for line in lines if (c := decoder.feed(line)) is not None]
    return chunks, decoder


def merged(chunks: list[ChatGenerationChunk]) -> AIMessageChunk:
    """The chunks' messages added up, each with its generation info in its metadata (as
    the chat model base class puts it there)."""
    messages = []
    for chunk in chunks:
        message = chunk.message
        assert isinstance(message, AIMessageChunk)
        info = chunk.generation_info or {}
        messages.append(
            message.model_copy(update={"response_metadata": {**info, **message.response_metadata}})
        )
    total = messages[0]
    for message in messages[1:]:
        total = total + message
    return total


def delta(content: str | None = None, **more: Any) -> dict[str, Any]:
    body: dict[str, Any] = {} if content is None else {"content": content}
    body.update(more)
    return {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": body}]}


def finish(reason: str, **more: Any) -> dict[str, Any]:
    return {
        "id": "c1",
        "model": "m",
        "choices": [{"index": 0, "delta": {}, "finish_reason": reason}],
        **more,
    }


USAGE = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}


def test_framing_comments_multiline_data_and_done() -> None:
    decoder = ChatDecoder("openai", "openai")
    assert decoder.feed(": keep-alive") is None
    assert decoder.feed("") is None
    assert decoder.feed('data:{"choices": [{"index": 0, "delta":') is None
    assert decoder.feed('data: {"content": "hi"}}]}') is None
    assert decoder.feed("id: 7") is None
    chunk = decoder.feed("")
    assert chunk is not None and chunk.message.content == "hi"
    assert not decoder.done
    assert decoder.feed("data: [DONE]") is None
    assert decoder.feed("") is None  # nothing held: no last chunk
    assert decoder.done


def test_trailing_metadata_becomes_one_last_chunk_at_done() -> None:
    chunks, decoder = decode(
        lines_of(
            delta("", role="assistant", refusal=None),
            delta("Hi"),
            finish("stop", system_fingerprint="fp_1", service_tier="default"),
            {"id": "c1", "model": "m", "choices": [], "usage": USAGE},
        )
    )
    assert [c.message.content for c in chunks] == ["", "Hi"]
    assert not decoder.done
    last = decoder.feed("data: [DONE]") or decoder.feed("")
    assert last is not None and decoder.done
    assert isinstance(last.message, AIMessageChunk)
    assert last.message.chunk_position == "last"
    assert last.message.usage_metadata == {
        "input_tokens": 9,
        "output_tokens": 3,
        "total_tokens": 12,
    }
    assert last.generation_info == {
        "finish_reason": "stop",
        "model_name": "m",
        "system_fingerprint": "fp_1",
        "service_tier": "default",
    }


def test_usage_on_every_chunk_is_counted_once() -> None:
    """vLLM's continuous_usage_stats: running totals on each chunk, then the usage chunk."""
    running = [
        {"prompt_tokens": 9, "completion_tokens": n, "total_tokens": 9 + n} for n in range(4)
    ]
    payloads = [{**delta("x" if n else ""), "usage": u} for n, u in enumerate(running)]
    payloads += [{**finish("stop"), "usage": running[-1]}]
    payloads += [{"choices": [], "usage": running[-1]}, "[DONE]"]
    chunks, decoder = decode(lines_of(*payloads))
    assert decoder.done
    assert merged(chunks).usage_metadata == {
        "input_tokens": 9,
        "output_tokens": 3,
        "total_tokens": 12,
    }


def test_groq_usage_in_two_places_is_counted_once() -> None:
    chunks, _ = decode(
        lines_of(
            {**delta("", role="assistant"), "x_groq": {"id": "req_1"}},
            delta("Hello!"),
            {**finish("stop"), "x_groq": {"id": "req_1", "usage": USAGE}, "usage": USAGE},
            "[DONE]",
        )
    )
    assert merged(chunks).usage_metadata == {
        "input_tokens": 9,
        "output_tokens": 3,
        "total_tokens": 12,
    }
    only_groq, _ = decode(lines_of({**finish("stop"), "x_groq": {"usage": USAGE}}, "[DONE]"))
    assert merged(only_groq).usage_metadata is not None


def test_together_eos_and_content_on_the_finish_chunk() -> None:
    chunks, _ = decode(
        lines_of(
            delta("Hi", role="assistant"),
            {
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": " there!"},
                        "finish_reason": "eos",
                    }
                ],
                "model": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
                "usage": USAGE,
            },
            "[DONE]",
        )
    )
    message = merged(chunks)
    assert message.content == "Hi there!"
    assert chunks[1].message.content == " there!", "content on the finish chunk is not held"
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.usage_metadata is not None and message.usage_metadata["total_tokens"] == 12


def test_azure_annotation_frames_carry_nothing() -> None:
    prompt_filter = {
        "id": "",
        "choices": [],
        "prompt_filter_results": [{"prompt_index": 0}],
        "usage": None,
    }
    content_filter = {
        "id": "",
        "choices": [{"index": 0, "finish_reason": None, "content_filter_results": {}}],
        "usage": None,
    }
    chunks, decoder = decode(
        lines_of(
            prompt_filter,
            delta("Color", role="assistant"),
            finish("stop"),
            content_filter,
            "[DONE]",
        )
    )
    assert [c.message.content for c in chunks] == ["Color", ""]
    assert decoder.done


def test_whole_and_fragmented_tool_calls() -> None:
    whole = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "f", "arguments": '{"a": 1}'},
        "index": 0,
    }
    chunks, _ = decode(lines_of(delta(tool_calls=[whole]), finish("tool_calls"), "[DONE]"))
    assert merged(chunks).tool_calls == [
        {"name": "f", "args": {"a": 1}, "id": "call_1", "type": "tool_call"}
    ]
    head = {
        "index": 0,
        "id": "call_2",
        "type": "function",
        "function": {"name": "g", "arguments": ""},
    }
    parts = [{"index": 0, "function": {"arguments": piece}} for piece in ['{"b"', ": [1,", " 2]}"]]
    chunks, _ = decode(
        lines_of(
            {
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": None, "tool_calls": [head]},
                    }
                ]
            },
            *[delta(tool_calls=[p]) for p in parts],
            "[DONE]",
        )
    )
    assert merged(chunks).tool_calls == [
        {"name": "g", "args": {"b": [1, 2]}, "id": "call_2", "type": "tool_call"}
    ]


def test_reasoning_and_refusal_go_to_additional_kwargs() -> None:
    chunks, _ = decode(
        lines_of(
            delta(reasoning_content="Let me think"),
            delta(reasoning=". Done."),
            delta(refusal="I can't"),
            "[DONE]",
        )
    )
    message = merged(chunks)
    assert message.additional_kwargs == {
        "reasoning_content": "Let me think. Done.",
        "refusal": "I can't",
    }


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (
            {
                "error": {
                    "message": "The engine is dead",
                    "type": "InternalServerError",
                    "code": 500,
                }
            },
            500,
        ),
        ({"error": {"message": "The engine is dead", "type": "server_error", "code": None}}, None),
    ],
)
def test_error_events(payload: dict[str, Any], status: int | None) -> None:
    decoder = ChatDecoder("openai", "openai")
    decoder.feed("data: " + json.dumps(payload))
    with pytest.raises(ProviderError, match="The engine is dead") as info:
        decoder.feed("")
    assert info.value.status_code == status and info.value.body == payload["error"]


def test_sse_error_event() -> None:
    decoder = ChatDecoder("groq", "groq")
    for line in ["event: error", 'data: {"message": "rate limited"}']:
        decoder.feed(line)
    with pytest.raises(ProviderError, match="rate limited"):
        decoder.feed("")


def test_completion_decoder() -> None:
    decoder = CompletionDecoder("openai")
    text = [
        {"choices": [{"text": t, "index": 0, "finish_reason": f}], "model": "i"}
        for t, f in [("a", None), ("b", "length")]
    ]
    chunks = [
        c
        for line in lines_of(*text, {"choices": [], "usage": USAGE}, "[DONE]")
        if (c := decoder.feed(line))
    ]
    assert [c.text for c in chunks] == ["a", "b", ""]
    assert chunks[1].generation_info == {"finish_reason": "length", "model_name": "i"}
    assert chunks[2].generation_info == {"token_usage": USAGE}
    assert decoder.done


@settings(max_examples=40, deadline=None)
@given(
    tokens=st.lists(st.text(min_size=1, max_size=5), max_size=8),
    args=st.dictionaries(st.text(max_size=4), st.integers() | st.text(max_size=6), max_size=3),
    pieces=st.integers(1, 6),
    flavour=st.sampled_from(sorted(FLAVOURS)),
)
def test_every_flavour_of_the_fake_decodes_to_the_reply(
    tokens: list[str], args: dict[str, Any], pieces: int, flavour: str
) -> None:
    reply = Reply(tokens, tool_calls=[ToolCall("f", args, pieces=pieces)], usage=Usage(5))
    body = {"model": "m", "stream": True, "stream_options": {"include_usage": True}}
    request = Request("POST", "/v1/chat/completions", {}, {}, json.dumps(body).encode())
    stream = _chat_stream(FLAVOURS[flavour], request, reply)
    lines = [line for frame in stream.frames for line in frame.data.decode().split("\n")[:-1]]
    chunks, decoder = decode(lines)
    assert decoder.done
    message = merged(chunks)
    assert message.content == "".join(tokens)
    assert message.tool_calls == [{"name": "f", "args": args, "id": "call_0", "type": "tool_call"}]
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] == len(tokens) + 1
    assert message.response_metadata["finish_reason"] == "tool_calls"
    assert message.chunk_position == "last" or flavour == "together"
