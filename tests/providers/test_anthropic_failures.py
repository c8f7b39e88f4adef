"""ChatAnthropic when things go wrong: retries, errors, truncated streams, cancellation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

from runnel.exceptions import IncompleteStreamError, ProviderError, ProviderTimeout
from runnel.providers.anthropic import ChatAnthropic
from runnel.testing import FakeProviderServer, Reply

pytestmark = pytest.mark.anyio

MODEL = "claude-haiku-4-5"
KEY = "sk-ant-failure-tests-secret"


@pytest.fixture
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as fake:
        yield fake


@pytest.fixture
async def chat(server: FakeProviderServer) -> AsyncIterator[Any]:
    made: list[ChatAnthropic] = []

    def make(**kwargs: Any) -> ChatAnthropic:
        made.append(ChatAnthropic(model=MODEL, api_key=KEY, base_url=server.url, **kwargs))
        return made[-1]

    yield make
    for model in made:
        await model.aclose()


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def consume(model: Any, mode: str, got: list[Any]) -> None:
    """Stream into `got` (so what arrived before an error stays visible)."""
    if mode == "sync":
        for chunk in model.stream("hi"):
            got.append(chunk)
    else:
        async for chunk in model.astream("hi"):
            got.append(chunk)


async def call(model: Any, mode: str) -> Any:
    return model.invoke("hi") if mode == "sync" else await model.ainvoke("hi")


# -- truncated and broken streams --------------------------------------------------------------
async def test_a_stream_without_message_stop_is_incomplete(
    chat: Any, server: Any, mode: str
) -> None:
    server.push(Reply("a b c d", terminal=False))
    got: list[Any] = []
    with pytest.raises(IncompleteStreamError, match="terminal event") as caught:
        await consume(chat(), mode, got)
    assert [c.content for c in got] == ["", "a", " b", " c", " d", ""]
    assert caught.value.partial.content == "a b c d"
    assert caught.value.provider == "anthropic"


async def test_an_error_event_mid_stream_comes_after_the_delivered_chunks(
    chat: Any, server: Any, mode: str
) -> None:
    server.push(Reply("a b c d e", error_after=2, error_message="Overloaded"))
    got: list[Any] = []
    with pytest.raises(ProviderError) as caught:
        await consume(chat(), mode, got)
    error = caught.value
    assert [c.content for c in got] == ["", "a", " b"]
    assert error.partial.content == "a b"
    assert str(error) == "anthropic: overloaded_error mid-stream: Overloaded"
    assert error.body["error"]["type"] == "overloaded_error"
    assert error.status_code is None
    assert len(server.requests) == 1


async def test_an_error_event_before_any_chunk_is_retried(chat: Any, server: Any) -> None:
    server.push(Reply("lost", error_after=0), Reply("second try"))
    got: list[Any] = []
    await consume(chat(), "async", got)
    assert "".join(c.content for c in got) == "second try"
    assert len(server.requests) == 2


async def test_a_dropped_connection_comes_after_the_delivered_chunks(
    chat: Any, server: Any, mode: str
) -> None:
    server.push(Reply("a b c d e", drop_after=3))
    got: list[Any] = []
    with pytest.raises(ProviderError, match="connection") as caught:
        await consume(chat(), mode, got)
    assert [c.content for c in got] == ["", "a", " b", " c"]
    assert caught.value.partial.content == "a b c"


# -- HTTP errors and retries -------------------------------------------------------------------
@pytest.mark.parametrize("status", [429, 500, 529])
async def test_429_and_5xx_are_retried(chat: Any, server: Any, mode: str, status: int) -> None:
    server.push(Reply(status=status, retry_after=0.01), Reply("after a retry"))
    got: list[Any] = []
    await consume(chat(), mode, got)
    assert "".join(c.content for c in got) == "after a retry"
    assert len(server.requests) == 2
    assert server.requests[1].headers["x-stainless-retry-count"] == "0"  # the SDK's own: off


async def test_retries_stop_at_max_retries_with_the_providers_message(
    chat: Any, server: Any, mode: str
) -> None:
    limited = Reply(status=429, retry_after=0.01, error_message="Number of requests exceeded")
    server.push(limited, limited, limited, Reply("never sent"))
    with pytest.raises(ProviderError) as caught:
        await call(chat(max_retries=2), mode)
    error = caught.value
    assert error.status_code == 429
    assert "Number of requests exceeded" in str(error)
    assert error.body["error"]["type"] == "rate_limit_error"
    assert error.retry_after == pytest.approx(0.01)
    assert len(server.requests) == 3


async def test_retry_after_is_honoured(chat: Any, server: Any) -> None:
    server.push(Reply(status=529, retry_after=0.1), Reply("ok"))
    started = anyio.current_time()
    await chat().ainvoke("hi")
    assert anyio.current_time() - started >= 0.1


async def test_a_4xx_is_not_retried_and_says_what_the_provider_said(
    chat: Any, server: Any, mode: str
) -> None:
    message = "max_tokens: 999999 > 64000, which is the maximum allowed"
    server.push(Reply(status=400, error_message=message), Reply("never sent"))
    got: list[Any] = []
    with pytest.raises(ProviderError) as caught:
        await consume(chat(), mode, got)
    assert str(caught.value) == f"anthropic: HTTP 400: {message}"
    assert caught.value.status_code == 400
    assert caught.value.body["error"]["type"] == "invalid_request_error"
    assert got == [] and len(server.requests) == 1


async def test_a_timeout_is_a_provider_timeout(chat: Any, server: Any, mode: str) -> None:
    server.push(Reply("slow", first_byte_delay=1.0))
    with pytest.raises(ProviderTimeout, match="timed out"):
        await call(chat(timeout=0.05, max_retries=0), mode)
    assert len(server.requests) == 1


# -- cancellation ------------------------------------------------------------------------------
async def test_breaking_out_of_stream_closes_the_response(chat: Any, server: Any) -> None:
    server.push(Reply("a b c d e f g h i j", delay=0.02))
    stream = chat().stream("hi")
    assert next(stream).content == ""
    stream.close()
    disconnect = server.wait_for_disconnect()
    assert disconnect.path == "/v1/messages"
    assert disconnect.tokens_sent < 10


async def test_aclose_closes_the_response(chat: Any, server: Any) -> None:
    server.push(Reply("a b c d e f g h i j", delay=0.02))
    stream = chat().astream("hi")
    assert (await stream.__anext__()).content == ""
    assert (await stream.__anext__()).content == "a"
    await stream.aclose()
    disconnect = await server.await_disconnect()
    assert 1 <= disconnect.tokens_sent < 10


async def test_cancelling_the_task_closes_the_response(chat: Any, server: Any) -> None:
    server.push(Reply("a b c d e f g h i j", delay=0.02))
    got: list[Any] = []
    first = anyio.Event()
    model = chat()

    async def read() -> None:
        async for chunk in model.astream("hi"):
            got.append(chunk)
            first.set()

    async with anyio.create_task_group() as group:
        group.start_soon(read)
        await first.wait()
        group.cancel_scope.cancel()
    disconnect = await server.await_disconnect()
    assert disconnect.tokens_sent < 10
    assert len(got) < 11
