"""The fake Anthropic server speaks the Messages protocol, and ChatAnthropic reads its variants.

The first tests read the fake server's bytes and let the official SDK judge them (its own
stream accumulator, its error classes); the others serve hand-written streams with what
the real API may send (cumulative input usage, thinking blocks, unknown events, pings,
CRLF line endings, trailing spaces) and check what ChatAnthropic makes of them.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anthropic
import pytest

from runnel.messages import HumanMessage
from runnel.providers.anthropic import ChatAnthropic
from runnel.testing import FakeProviderServer, Frame, Reply, Route, Stream, ToolCall, Usage

pytestmark = pytest.mark.anyio

MODEL = "claude-haiku-4-5"


def sdk(server: FakeProviderServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-test", base_url=server.url, max_retries=0)


def post(server: FakeProviderServer, body: dict[str, Any]) -> tuple[str, str]:
    """POST to the fake server with the standard library: (content type, body text)."""
    request = urllib.request.Request(
        f"{server.url}/v1/messages",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "x-api-key": "sk-test"},
    )
    with urllib.request.urlopen(request) as response:
        return response.headers["content-type"], response.read().decode()


def events(text: str) -> list[tuple[str, Any]]:
    """(event name, JSON data) of each server-sent event in `text`."""
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        out.append((fields["event"], json.loads(fields["data"])))
    return out


# -- the fake server's wire format -------------------------------------------------------------
def test_a_stream_is_framed_as_the_recorded_examples(server: FakeProviderServer) -> None:
    server.push(Reply(["Hello", " there", "!"], usage=Usage(input_tokens=11, output_tokens=6)))
    content_type, text = post(server, {"model": MODEL, "max_tokens": 9, "stream": True})
    assert content_type == "text/event-stream"
    got = events(text)
    assert all(name == data["type"] for name, data in got)
    start = got[0][1]["message"]
    assert start["id"].startswith("msg_")
    assert {k: v for k, v in start.items() if k != "id"} == {
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 11,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 1,
            "service_tier": "standard",
        },
    }
    assert got[1:] == [
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("ping", {"type": "ping"}),
        *[
            ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "text_delta", "text": t}})
            for t in ["Hello", " there", "!"]
        ],
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta",
                           "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                           "usage": {"output_tokens": 6}}),
        ("message_stop", {"type": "message_stop"}),
    ]  # fmt: skip


def test_tool_calls_stream_as_input_json_deltas(server: FakeProviderServer) -> None:
    call = ToolCall("get_weather", {"location": "Paris"}, id="toolu_01", pieces=3)
    server.push(Reply("I'll check.", tool_calls=[call]))
    _, text = post(server, {"model": MODEL, "max_tokens": 9, "stream": True})
    got = [data for _, data in events(text)]
    tool = [e for e in got if e.get("index") == 1]
    assert tool[0] == {
        "type": "content_block_start",
        "index": 1,
        "content_block": {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {}},
    }
    pieces = [e["delta"]["partial_json"] for e in tool if e["type"] == "content_block_delta"]
    assert pieces[0] == "" and len(pieces) == 4
    assert json.loads("".join(pieces)) == {"location": "Paris"}
    assert tool[-1] == {"type": "content_block_stop", "index": 1}
    assert got[-2]["delta"]["stop_reason"] == "tool_use"


def test_the_sdks_accumulator_agrees_with_the_whole_message(server: FakeProviderServer) -> None:
    usage = Usage(input_tokens=40, cache_read_tokens=30)
    reply = Reply("Let me see.", [ToolCall("add", {"a": 1, "b": 2}, pieces=4)], usage=usage)
    server.push(reply, reply)
    client = sdk(server)
    arguments: Any = {
        "model": MODEL,
        "max_tokens": 99,
        "messages": [{"role": "user", "content": "?"}],
    }
    with client.messages.stream(**arguments) as stream:
        streamed = stream.get_final_message()
    whole = client.messages.create(**arguments)
    client.close()
    assert [b.to_dict() for b in streamed.content] == [b.to_dict() for b in whole.content]
    assert streamed.content[1].input == {"a": 1, "b": 2}
    assert streamed.stop_reason == whole.stop_reason == "tool_use"
    assert streamed.usage.to_dict() == whole.usage.to_dict()
    assert whole.usage.input_tokens == 10 and whole.usage.cache_read_input_tokens == 30


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (400, anthropic.BadRequestError, "invalid_request_error"),
        (401, anthropic.AuthenticationError, "authentication_error"),
        (404, anthropic.NotFoundError, "not_found_error"),
        (429, anthropic.RateLimitError, "rate_limit_error"),
        (500, anthropic.InternalServerError, "api_error"),
        (529, anthropic.OverloadedError, "overloaded_error"),
    ],
)
def test_errors_have_anthropics_body_and_type(
    server: FakeProviderServer, status: int, error_class: type, error_type: str
) -> None:
    server.push(Reply(status=status, error_message="it went wrong", retry_after=1))
    client = sdk(server)
    with pytest.raises(error_class) as caught:
        client.messages.create(model=MODEL, max_tokens=9, messages=[])
    client.close()
    error: Any = caught.value
    assert error.body["type"] == "error"
    assert error.body["error"] == {"type": error_type, "message": "it went wrong"}
    assert error.response.headers["retry-after"] == "1"


def test_a_mid_stream_error_is_an_error_event(server: FakeProviderServer) -> None:
    server.push(Reply("a b c", error_after=1))
    _, text = post(server, {"model": MODEL, "max_tokens": 9, "stream": True})
    got = events(text)
    assert got[-1] == (
        "error",
        {"type": "error", "error": {"type": "overloaded_error", "message": "scripted error"}},
    )
    assert "message_stop" not in [name for name, _ in got]
    server.push(Reply("a b c", error_after=1))
    client = sdk(server)
    with pytest.raises(anthropic.APIStatusError) as caught:
        for _ in client.messages.create(model=MODEL, max_tokens=9, messages=[], stream=True):
            pass
    client.close()
    assert caught.value.status_code == 200  # as the real API: the error type is in the body


def test_the_request_model_is_echoed_unless_the_reply_names_one(server: FakeProviderServer) -> None:
    server.push(Reply("a"), Reply("b", model="claude-other"))
    client = sdk(server)
    first = client.messages.create(model="claude-x", max_tokens=9, messages=[])
    second = client.messages.create(model="claude-x", max_tokens=9, messages=[])
    client.close()
    assert (first.model, second.model) == ("claude-x", "claude-other")


# -- what the real API may send ----------------------------------------------------------------
Event = tuple[str, dict[str, Any]]


def ev(kind: str, **fields: Any) -> Event:
    """One event: its name, and its data (whose ``type`` is the name)."""
    return kind, {"type": kind, **fields}


def frames(*events: Event) -> Stream:
    return Stream([Frame(f"event: {n}\ndata: {json.dumps(d)}\n\n".encode()) for n, d in events])


def start(usage: dict[str, Any]) -> Event:
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": MODEL}
    message.update(content=[], stop_reason=None, stop_sequence=None, usage=usage)
    return ev("message_start", message=message)


def text_block(index: int, *texts: str, first: str = "") -> list[Event]:
    block = {"type": "text", "text": first}
    deltas = [{"type": "text_delta", "text": text} for text in texts]
    return [
        ev("content_block_start", index=index, content_block=block),
        *[ev("content_block_delta", index=index, delta=d) for d in deltas],
        ev("content_block_stop", index=index),
    ]


def delta(stop_reason: str | None, usage: dict[str, Any]) -> Event:
    return ev(
        "message_delta", delta={"stop_reason": stop_reason, "stop_sequence": None}, usage=usage
    )


STOP = ev("message_stop")
THINKING = {"thinking_tokens": 25}


class Scripted:
    """A fake server whose answers are the streams a test queues with `push`."""

    def __init__(self) -> None:
        self.streams: list[Stream] = []
        route = Route("POST", r"/v1/messages", self._answer, scripted=False)
        self.server = FakeProviderServer(routes=[route])

    def push(self, stream: Stream) -> None:
        self.streams.append(stream)

    def _answer(self, request: Any, reply: Any) -> Stream:
        return self.streams.pop(0)


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    fake = Scripted()
    with fake.server:
        yield fake


@pytest.fixture
async def chat(scripted: Scripted) -> AsyncIterator[Any]:
    made: list[ChatAnthropic] = []

    def make(**kwargs: Any) -> ChatAnthropic:
        url = scripted.server.url
        made.append(ChatAnthropic(model=MODEL, api_key="sk-test", base_url=url, **kwargs))
        return made[-1]

    yield make
    for model in made:
        await model.aclose()


def added(chunks: list[Any]) -> Any:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


async def test_cumulative_input_usage_in_message_delta_is_not_counted_twice(
    scripted: Scripted, chat: Any
) -> None:
    cache = {"cache_creation_input_tokens": 2, "cache_read_input_tokens": 3}
    scripted.push(
        frames(
            start({"input_tokens": 5, **cache, "output_tokens": 1}),
            *text_block(0, "a", " b"),
            delta(None, {"input_tokens": 5, **cache, "output_tokens": 4}),
            delta("end_turn", {"input_tokens": 5, **cache, "output_tokens": 9}),
            STOP,
        )
    )
    chunks = [c async for c in chat().astream("hi")]
    assert [c.chunk_position for c in chunks].count("last") == 1
    assert chunks[-1].chunk_position == "last"
    assert added(chunks).usage_metadata == {
        "input_tokens": 10,
        "output_tokens": 9,
        "total_tokens": 19,
        "input_token_details": {"cache_creation": 2, "cache_read": 3},
    }


async def test_pings_unknown_events_crlf_and_trailing_spaces_are_tolerated(
    scripted: Scripted, chat: Any
) -> None:
    def crlf(event: Event) -> bytes:
        name, data = event
        return f"event: {name}\r\ndata: {json.dumps(data)}  \r\n\r\n".encode()

    pairs = [
        start({"input_tokens": 4, "output_tokens": 1}),
        ev("ping"),
        ev("future_event", x=1),
        *text_block(0, "Hel", "lo"),
        ev("ping"),
        delta("end_turn", {"output_tokens": 2}),
        STOP,
    ]
    scripted.push(Stream([Frame(crlf(event)) for event in pairs]))
    chunks = [c async for c in chat().astream("hi")]
    assert [c.content for c in chunks] == ["", "Hel", "lo", ""]
    assert added(chunks).usage_metadata == {
        "input_tokens": 4,
        "output_tokens": 2,
        "total_tokens": 6,
    }


async def test_text_sent_with_the_block_start_is_kept(scripted: Scripted, chat: Any) -> None:
    scripted.push(
        frames(
            start({"input_tokens": 1, "output_tokens": 1}),
            *text_block(0, " there", first="Hi"),
            delta("end_turn", {"output_tokens": 2}),
            STOP,
        )
    )
    assert (await chat().ainvoke("hi", stream=True)).content == "Hi there"


async def test_thinking_streams_as_blocks_with_their_signature(
    scripted: Scripted, chat: Any
) -> None:
    thinking = {"type": "thinking", "thinking": "", "signature": ""}
    pieces = [
        {"type": "thinking_delta", "thinking": "Simple "},
        {"type": "thinking_delta", "thinking": "question."},
        {"type": "signature_delta", "signature": "c3ln"},
    ]
    scripted.push(
        frames(
            start({"input_tokens": 7, "output_tokens": 1}),
            ev("content_block_start", index=0, content_block=thinking),
            *[ev("content_block_delta", index=0, delta=piece) for piece in pieces],
            ev("content_block_stop", index=0),
            *text_block(1, "4"),
            delta("end_turn", {"output_tokens": 30, "output_tokens_details": THINKING}),
            STOP,
        )
    )
    model = chat(thinking={"type": "enabled", "budget_tokens": 1024})
    chunks = [c async for c in model.astream("2+2?")]
    total = added(chunks)
    assert total.content == [
        {"type": "thinking", "thinking": "Simple question.", "index": 0, "signature": "c3ln"},
        {"type": "text", "text": "4", "index": 1},
    ]
    assert total.usage_metadata["output_token_details"] == {"reasoning": 25}
    assert total.usage_metadata["output_tokens"] == 30

    scripted.push(
        frames(
            start({"input_tokens": 1, "output_tokens": 1}),
            delta("end_turn", {"output_tokens": 1}),
            STOP,
        )
    )
    await model.ainvoke([HumanMessage("2+2?"), total, HumanMessage("and 3+3?")], stream=True)
    request = scripted.server.requests[-1].json
    assert request["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": "Simple question.", "signature": "c3ln"},
            {"type": "text", "text": "4"},
        ],
    }
