"""ChatOpenAI failures: retries, timeouts, errors mid-stream, truncated streams, cancellation."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest

from runnel.exceptions import IncompleteStreamError, ProviderError, ProviderTimeout
from runnel.messages import AIMessageChunk
from runnel.providers.openai import ChatOpenAI
from runnel.testing import FakeProviderServer, Reply

pytestmark = pytest.mark.anyio


def chat(server: FakeProviderServer, **kwargs: Any) -> ChatOpenAI:
    return ChatOpenAI(model="gpt-4o-mini", api_key="sk-test", base_url=server.url + "/v1", **kwargs)


@pytest.fixture(params=["sync", "async"])
def consume(request: pytest.FixtureRequest) -> Any:
    """Stream into a list (kept on failure) with `stream` or `astream`."""

    async def run(model: Any, input: Any, into: list[Any]) -> None:
        if request.param == "sync":
            for chunk in model.stream(input):
                into.append(chunk)
        else:
            async for chunk in model.astream(input):
                into.append(chunk)

    return run


# -- retries ---------------------------------------------------------------------------------
async def test_429_is_retried_as_retry_after_says(server: FakeProviderServer, consume: Any) -> None:
    server.push(Reply(status=429, retry_after=0.01), Reply(status=503, retry_after=0.01), "ok now")
    got: list[AIMessageChunk] = []
    await consume(chat(server, max_retries=2), "hi", got)
    assert "".join(str(c.content) for c in got) == "ok now"
    assert len(server.requests) == 3
    assert "x-stainless-retry-count" not in server.requests[1].headers or (
        server.requests[1].headers["x-stainless-retry-count"] == "0"
    ), "the SDK's own retries are off: runnel retries"


async def test_retries_give_up_with_the_providers_status_and_message(
    server: FakeProviderServer, consume: Any
) -> None:
    message = "Rate limit reached for gpt-4o-mini in organization org-x"
    server.default = Reply(status=429, retry_after=0.01, error_message=message)
    with pytest.raises(ProviderError) as info:
        await consume(chat(server, max_retries=2), "hi", [])
    assert info.value.status_code == 429
    assert message in str(info.value)
    assert info.value.provider == "openai"
    assert len(server.requests) == 3


async def test_invoke_retries_too(server: FakeProviderServer) -> None:
    server.push(Reply(status=500, retry_after=0.01), "fine")
    assert (await chat(server).ainvoke("hi")).content == "fine"
    server.push(Reply(status=502, retry_after=0.01), "fine again")
    assert chat(server).invoke("hi").content == "fine again"
    assert len(server.requests) == 4


async def test_a_4xx_error_surfaces_the_message_without_retrying(
    server: FakeProviderServer, consume: Any
) -> None:
    server.push(Reply(status=400, error_message="Invalid value for 'temperature': 9"))
    with pytest.raises(ProviderError, match="Invalid value for 'temperature': 9") as info:
        await consume(chat(server), "hi", [])
    assert info.value.status_code == 400
    assert info.value.body["message"] == "Invalid value for 'temperature': 9"
    assert len(server.requests) == 1


# -- timeouts --------------------------------------------------------------------------------
async def test_a_slow_first_byte_times_out(server: FakeProviderServer, consume: Any) -> None:
    server.push(Reply("late", first_byte_delay=1.0))
    started = time.monotonic()
    with pytest.raises(ProviderTimeout) as info:
        await consume(chat(server, timeout=0.1, max_retries=0), "hi", [])
    assert isinstance(info.value, TimeoutError)
    assert time.monotonic() - started < 0.9


async def test_a_stalled_stream_times_out_keeping_what_arrived(
    server: FakeProviderServer, consume: Any
) -> None:
    server.push(Reply("one two three", delay=1.0))
    got: list[AIMessageChunk] = []
    with pytest.raises(ProviderTimeout) as info:
        await consume(chat(server, timeout=0.15, max_retries=0), "hi", got)
    assert [c.content for c in got] == [""]  # the role chunk came before the stall
    assert info.value.partial is not None


# -- failures mid-stream ---------------------------------------------------------------------
async def test_an_error_event_mid_stream_raises_after_the_delivered_chunks(
    server: FakeProviderServer, consume: Any
) -> None:
    server.push(Reply("a b c d e", error_after=2, error_message="The server had an error"))
    got: list[AIMessageChunk] = []
    with pytest.raises(ProviderError, match="The server had an error") as info:
        await consume(chat(server), "hi", got)
    assert [c.content for c in got] == ["", "a", " b"]
    assert info.value.partial.content == "a b"
    assert len(server.requests) == 1, "nothing is retried once chunks were delivered"


async def test_a_dropped_connection_raises_after_the_delivered_chunks(
    server: FakeProviderServer, consume: Any
) -> None:
    server.push(Reply("a b c d e", drop_after=3))
    got: list[AIMessageChunk] = []
    with pytest.raises(ProviderError) as info:
        await consume(chat(server), "hi", got)
    assert not isinstance(info.value, IncompleteStreamError)
    assert "".join(str(c.content) for c in got) == "a b c"
    assert info.value.partial.content == "a b c"


async def test_a_stream_without_done_is_incomplete(
    server: FakeProviderServer, consume: Any
) -> None:
    server.push(Reply("a b c", terminal=False))
    got: list[AIMessageChunk] = []
    with pytest.raises(IncompleteStreamError) as info:
        await consume(chat(server), "hi", got)
    assert "".join(str(c.content) for c in got) == "a b c"
    assert info.value.partial.content == "a b c"


# -- cancellation ----------------------------------------------------------------------------
SLOW = Reply("one two three four five six seven eight nine ten", delay=0.05)


def test_break_closes_the_response(server: FakeProviderServer) -> None:
    server.push(SLOW)
    for chunk in chat(server).stream("hi"):
        if chunk.content:
            break
    gone = server.wait_for_disconnect(timeout=2)
    assert gone.path == "/v1/chat/completions" and gone.tokens_sent < 10


async def test_aclose_closes_the_response(server: FakeProviderServer) -> None:
    server.push(SLOW)
    stream = chat(server).astream("hi")
    first = await stream.__anext__()
    assert first.content == ""
    await stream.aclose()
    gone = await server.await_disconnect(timeout=2)
    assert gone.tokens_sent < 10


async def test_cancelling_the_task_closes_the_response(server: FakeProviderServer) -> None:
    server.push(SLOW)
    received = anyio.Event()
    got: list[Any] = []

    async def consume() -> None:
        async for chunk in chat(server).astream("hi"):
            got.append(chunk)
            if chunk.content:
                received.set()

    async with anyio.create_task_group() as group:
        group.start_soon(consume)
        await received.wait()
        group.cancel_scope.cancel()
    gone = await server.await_disconnect(timeout=2)
    assert gone.tokens_sent < 10
    assert len(got) < 10
