"""runnel.testing's FakeProviderServer, driven by the official openai SDK."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import openai
import pytest

from runnel.testing import FakeProviderServer, Reply

pytestmark = pytest.mark.anyio

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def client() -> Iterator[Callable[..., openai.OpenAI]]:
    """Makes SDK clients for a server (no retries unless asked), closed after the test."""
    made: list[openai.OpenAI] = []

    def make(server: FakeProviderServer, path: str = "/v1", **kwargs: object) -> openai.OpenAI:
        options: dict[str, object] = {"max_retries": 0, **kwargs}
        made.append(openai.OpenAI(base_url=server.url + path, api_key="sk-test", **options))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for sdk in made:
        sdk.close()


def stream_text(sdk: openai.OpenAI, **kwargs: object) -> list[str]:
    stream = sdk.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, **kwargs
    )  # type: ignore[call-overload]
    return [c.choices[0].delta.content or "" for c in stream if c.choices]


def test_serves_the_queued_replies_in_order_then_the_default(
    client: Callable[..., openai.OpenAI],
) -> None:
    with FakeProviderServer(Reply("first"), default=Reply("always")) as server:
        sdk = client(server)
        server.push("second")
        assert "".join(stream_text(sdk)) == "first"
        answer = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]
        assert answer.choices[0].message.content == "second"
        assert "".join(stream_text(sdk)) == "always"
        assert [bool(r.json.get("stream")) for r in server.requests] == [True, False, True]
        assert server.requests[0].headers["authorization"] == "Bearer sk-test"


def test_an_empty_queue_is_a_500_naming_the_problem(client: Callable[..., openai.OpenAI]) -> None:
    with FakeProviderServer() as server, pytest.raises(openai.InternalServerError) as info:
        stream_text(client(server))
    assert "no scripted reply left" in str(info.value)


def test_an_unknown_route_is_a_404(client: Callable[..., openai.OpenAI]) -> None:
    with FakeProviderServer() as server:
        sdk = client(server, "/nowhere")
        with pytest.raises(
            openai.NotFoundError, match="no fake route for POST /nowhere/chat/completions"
        ):
            stream_text(sdk)


def test_status_faults_carry_retry_after_and_the_providers_body(
    client: Callable[..., openai.OpenAI],
) -> None:
    with FakeProviderServer(
        Reply(status=429, retry_after=2.5, error_message="slow down")
    ) as server:
        with pytest.raises(openai.RateLimitError) as info:
            stream_text(client(server))
        error = info.value
        assert error.status_code == 429
        assert error.response.headers["retry-after"] == "2.5"
        assert error.response.headers["retry-after-ms"] == "2500"
        assert error.body == {
            "message": "slow down",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }


def test_the_sdk_retries_a_429_on_its_own_too(client: Callable[..., openai.OpenAI]) -> None:
    with FakeProviderServer(Reply(status=429, retry_after=0.01), Reply("ok")) as server:
        assert "".join(stream_text(client(server, max_retries=1))) == "ok"
        assert len(server.requests) == 2


def test_first_byte_delay_and_timeouts(client: Callable[..., openai.OpenAI]) -> None:
    with FakeProviderServer(Reply("late", first_byte_delay=0.5)) as server:
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            stream_text(client(server, timeout=0.1))
        assert time.monotonic() - started < 0.45


def test_error_after_sends_the_error_event_the_sdk_raises(
    client: Callable[..., openai.OpenAI],
) -> None:
    with FakeProviderServer(Reply("a b c d", error_after=2, error_message="boom")) as server:
        got: list[str] = []
        with pytest.raises(openai.APIError, match="boom"):
            stream = client(server).chat.completions.create(
                model="m",
                messages=MESSAGES,
                stream=True,  # type: ignore[arg-type]
            )
            for chunk in stream:
                got.append(chunk.choices[0].delta.content or "")
        assert got == ["", "a", " b"]


def test_drop_after_cuts_the_connection(client: Callable[..., openai.OpenAI]) -> None:
    with FakeProviderServer(Reply("a b c d e", drop_after=2)) as server:
        got: list[str] = []
        with pytest.raises(openai.APIConnectionError):
            for chunk in client(server).chat.completions.create(
                model="m",
                messages=MESSAGES,
                stream=True,  # type: ignore[arg-type]
            ):
                got.append(chunk.choices[0].delta.content or "")
        assert "".join(got) == "a b"


def test_without_its_terminal_event_the_sdk_ends_silently(
    client: Callable[..., openai.OpenAI],
) -> None:
    """Why runnel checks for ``[DONE]``: the SDK cannot tell a cut stream from a whole one."""
    with FakeProviderServer(Reply("a b c", terminal=False)) as server:
        assert "".join(stream_text(client(server))) == "a b c"


def test_disconnects_are_recorded(client: Callable[..., openai.OpenAI]) -> None:
    with FakeProviderServer(Reply("one two three four five six", delay=0.05)) as server:
        stream = client(server).chat.completions.create(
            model="m",
            messages=MESSAGES,
            stream=True,  # type: ignore[arg-type]
        )
        next(iter(stream))
        stream.close()
        gone = server.wait_for_disconnect(timeout=2)
        assert gone.path == "/v1/chat/completions"
        assert gone.tokens_sent < 6
        assert server.disconnects == [gone]


def test_wait_for_disconnect_times_out() -> None:
    with (
        FakeProviderServer() as server,
        pytest.raises(TimeoutError, match="no client disconnected"),
    ):
        server.wait_for_disconnect(timeout=0.05)


async def test_async_context_and_client() -> None:
    async with FakeProviderServer(Reply("async world", delay=0.01)) as server:
        sdk = openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0)
        stream = await sdk.chat.completions.create(model="m", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
        text = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        assert "".join(text) == "async world"
        await sdk.close()


def test_url_needs_a_running_server() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        _ = FakeProviderServer().url
