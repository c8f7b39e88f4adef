"""ChatAnthropic when things go wrong, beyond the contract every provider keeps (see
test_contract.py: truncated streams, retries, HTTP errors, timeouts, cancellation)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from tests.providers._streams import stream_into

from runnel.exceptions import ProviderError
from runnel.providers.anthropic import ChatAnthropic
from runnel.testing import FakeProviderServer, Reply

pytestmark = pytest.mark.anyio

MODEL = "claude-haiku-4-5"
KEY = "sk-ant-failure-tests-secret"


@pytest.fixture
async def chat(server: FakeProviderServer) -> AsyncIterator[Any]:
    made: list[ChatAnthropic] = []

    def make(**kwargs: Any) -> ChatAnthropic:
        made.append(ChatAnthropic(model=MODEL, api_key=KEY, base_url=server.url, **kwargs))
        return made[-1]

    yield make
    for model in made:
        await model.aclose()


# -- broken streams ----------------------------------------------------------------------------
async def test_an_error_event_mid_stream_says_its_type(chat: Any, server: Any) -> None:
    server.push(Reply("a b c d e", error_after=2, error_message="Overloaded"))
    with pytest.raises(ProviderError) as caught:
        await stream_into(chat(), "async", [])
    error = caught.value
    assert str(error) == "anthropic: overloaded_error mid-stream: Overloaded"
    assert error.body["error"]["type"] == "overloaded_error"


async def test_an_error_event_before_any_chunk_is_retried(chat: Any, server: Any) -> None:
    server.push(Reply("lost", error_after=0), Reply("second try"))
    got: list[Any] = []
    await stream_into(chat(), "async", got)
    assert "".join(c.content for c in got) == "second try"
    assert len(server.requests) == 2


# -- HTTP errors and retries -------------------------------------------------------------------
async def test_529_overloaded_is_retried(chat: Any, server: Any, mode: str) -> None:
    server.push(Reply(status=529, retry_after=0.01), Reply("after a retry"))
    got: list[Any] = []
    await stream_into(chat(), mode, got)
    assert "".join(c.content for c in got) == "after a retry"
    assert len(server.requests) == 2
    assert server.requests[1].headers["x-stainless-retry-count"] == "0"  # the SDK's own: off


async def test_retry_after_is_honoured(chat: Any, server: Any) -> None:
    server.push(Reply(status=529, retry_after=0.1), Reply("ok"))
    started = anyio.current_time()
    await chat().ainvoke("hi")
    assert anyio.current_time() - started >= 0.1


@pytest.mark.parametrize(
    ("status", "kind"), [(400, "invalid_request_error"), (429, "rate_limit_error")]
)
async def test_an_http_error_says_what_anthropic_said(
    chat: Any, server: Any, status: int, kind: str
) -> None:
    message = "max_tokens: 999999 > 64000, which is the maximum allowed"
    server.push(Reply(status=status, error_message=message))
    with pytest.raises(ProviderError) as caught:
        await stream_into(chat(max_retries=0), "async", [])
    assert str(caught.value) == f"anthropic: HTTP {status}: {message}"
    assert caught.value.body["error"]["type"] == kind
