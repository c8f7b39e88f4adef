"""The contract every chat model integration keeps, checked for each provider in `PROVIDERS`.

Each case runs against `FakeProviderServer` with scripted replies: streaming token by
token with the usage on the last chunk, invoke, batch and abatch, the ``ls_*`` tracing
metadata, key hygiene, missing-key errors and HTTP errors for every provider; truncated
streams, retries, failures mid-stream, timeouts, cancellation and event loops for every
client stack (`STACKS`: the OpenAI-compatible subclasses share ChatOpenAI's). What only one
provider does (its wire format, request bodies, tool formats, usage details) stays in its
own ``test_<provider>*.py``. A new integration joins the contract with one `Provider` row.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from tests.providers._streams import added, call, stream_into

from runnel.exceptions import (
    IncompleteStreamError,
    MissingAPIKeyError,
    ProviderError,
    ProviderTimeout,
)
from runnel.messages import AIMessage, AIMessageChunk
from runnel.providers.anthropic import ChatAnthropic
from runnel.providers.cohere import ChatCohere
from runnel.providers.fireworks import ChatFireworks
from runnel.providers.google import ChatGoogleGenerativeAI, ChatVertexAI
from runnel.providers.groq import ChatGroq
from runnel.providers.mistralai import ChatMistralAI
from runnel.providers.nvidia import ChatNVIDIA
from runnel.providers.ollama import ChatOllama
from runnel.providers.openai import AzureChatOpenAI, ChatOpenAI
from runnel.providers.together import ChatTogether
from runnel.testing import FakeProviderServer, Reply, Request, Usage

pytestmark = pytest.mark.anyio

VERTEX_PREFIX = "/v1beta1/projects/my-project/locations/europe-west4/publishers/google/models"

# Variables that would point a model elsewhere or give it a key: unset for every case.
ENVIRONMENT = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_DEPLOYMENT_NAME",
    "AZURE_OPENAI_API_VERSION",
    "OPENAI_API_VERSION",
    "AZURE_OPENAI_AD_TOKEN",
    "GROQ_API_KEY",
    "GROQ_API_BASE",
    "FIREWORKS_API_KEY",
    "FIREWORKS_API_BASE",
    "NVIDIA_API_KEY",
    "NVIDIA_BASE_URL",
    "TOGETHER_API_KEY",
    "TOGETHER_API_BASE",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_API_URL",
    "ANTHROPIC_BASE_URL",
    "GOOGLE_API_KEY",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "COHERE_API_KEY",
    "MISTRAL_API_KEY",
    "MISTRAL_BASE_URL",
    "OLLAMA_HOST",
)


def _chat_json(request: Request) -> str:
    return str(request.json["messages"][0]["content"])


def _gemini_prompt(request: Request) -> str:
    return str(request.json["contents"][0]["parts"][0]["text"])


def _stream_flag_false(request: Request) -> bool:
    return request.json["stream"] is False


def _stream_flag_true(request: Request) -> bool:
    return request.json["stream"] is True


def _by_path(request: Request) -> bool:
    return True  # Gemini streams on a route of its own: `stream_path` tells


@dataclass(frozen=True)
class Provider:
    """How one integration is built against the fake server, and what it reports."""

    id: str
    cls: type[Any]
    # the constructor's arguments for the fake server at `url`, with the key if one is given
    settings: Callable[[str, str | None], dict[str, Any]]
    model_name: str
    key: str
    # the header that carries the key, and its value for a key
    auth: tuple[str, str]
    stream_path: str
    prompt: Callable[[Request], str]
    non_streamed: Callable[[Request], bool]
    ls_provider: str
    finish: tuple[str, str]  # (response_metadata key, value) of a plain stop
    key_variable: str | None = None  # None: no key is needed
    required: dict[str, Any] = field(default_factory=dict)  # besides a key, to build one
    error_provider: str = ""  # `ProviderError.provider`; by default `ls_provider`
    lead: int = 0  # empty chunks streamed before the first token
    trail: int = 1  # empty chunks streamed after the last token (the usage, the finish)
    incomplete_trail: int = 0  # those that still come when the terminal event does not
    first_carries_input_usage: bool = False  # the input tokens come on the first chunk
    usage_details: dict[str, Any] = field(default_factory=dict)
    max_tokens: str = "max_tokens"  # the constructor's name for it
    mid_stream_message: str | None = None  # what an error event says, if not the script
    mid_stream_status: int | None = None
    stainless: bool = False  # a Stainless SDK: its own retry counter header, left at 0
    stream_query: dict[str, str] = field(default_factory=dict)  # of a stream's request
    streamed: Callable[[Request], bool] = _stream_flag_true  # a stream's request says so
    # what else of a model may hold the key, and must not show it
    holders: Callable[[Any], list[Any]] = lambda model: []
    # a thin subclass of another provider's model, on the same client and stream decoder:
    # the transport cases (retries, timeouts, broken streams, cancellation) run for that
    # one, the cases about the provider's own settings and names for this one too
    same_stack_as: str | None = None

    @property
    def provider(self) -> str:
        return self.error_provider or self.ls_provider

    def usage(self, input_tokens: int, output_tokens: int) -> dict[str, Any]:
        total = input_tokens + output_tokens
        plain = {"input_tokens": input_tokens, "output_tokens": output_tokens}
        return {**plain, "total_tokens": total, **self.usage_details}

    def contents(self, tokens: list[str], *, trail: int | None = None) -> list[str]:
        """The contents of the chunks a stream of `tokens` yields."""
        return [""] * self.lead + tokens + [""] * (self.trail if trail is None else trail)


OPENAI_USAGE = {
    "input_token_details": {"audio": 0, "cache_read": 0},
    "output_token_details": {"audio": 0, "reasoning": 0},
}


def _openai_family(
    id: str,
    cls: type[Any],
    prefix: str,
    model: str,
    variable: str,
    ls_provider: str,
    **more: Any,
) -> Provider:
    def settings(url: str, key: str | None) -> dict[str, Any]:
        return {"model": model, "base_url": url + prefix, **({"api_key": key} if key else {})}

    return Provider(
        id=id,
        cls=cls,
        settings=settings,
        model_name=model,
        key=f"{id}-5ecret-0123456789",
        auth=("authorization", "Bearer {key}"),
        stream_path=prefix + "/chat/completions",
        prompt=_chat_json,
        non_streamed=_stream_flag_false,
        ls_provider=ls_provider,
        finish=("finish_reason", "stop"),
        key_variable=variable,
        lead=1,
        usage_details=more.pop("usage_details", OPENAI_USAGE),
        stainless=True,
        **more,
    )


def _azure(url: str, key: str | None) -> dict[str, Any]:
    settings = {
        "azure_endpoint": url,
        "azure_deployment": "gpt4o-prod",
        "api_version": "2024-10-21",
    }
    return {**settings, **({"api_key": key} if key else {})}


def _keyed(model: str, prefix: str = "", **more: Any) -> Callable[[str, str | None], Any]:
    def settings(url: str, key: str | None) -> dict[str, Any]:
        return {
            "model": model,
            "base_url": url + prefix,
            **more,
            **({"api_key": key} if key else {}),
        }

    return settings


def _vertex(url: str, key: str | None) -> dict[str, Any]:
    settings = {"model": "gemini-2.0-flash-001", "base_url": url, "project": "my-project"}
    return {**settings, "location": "europe-west4", "access_token": key}


PROVIDERS = [
    _openai_family("openai", ChatOpenAI, "/v1", "gpt-4o-mini", "OPENAI_API_KEY", "openai"),
    Provider(
        id="azure",
        cls=AzureChatOpenAI,
        settings=_azure,
        model_name="gpt4o-prod",
        key="azure-5ecret-0123456789",
        auth=("api-key", "{key}"),
        stream_path="/openai/deployments/gpt4o-prod/chat/completions",
        prompt=_chat_json,
        non_streamed=_stream_flag_false,
        ls_provider="azure",
        finish=("finish_reason", "stop"),
        key_variable="AZURE_OPENAI_API_KEY",
        stream_query={"api-version": "2024-10-21"},
        required={"azure_endpoint": "https://x.openai.azure.com", "api_version": "2024-10-21"},
        lead=1,
        usage_details=OPENAI_USAGE,
        stainless=True,
    ),
    _openai_family(
        "groq",
        ChatGroq,
        "/openai/v1",
        "llama-3.3-70b-versatile",
        "GROQ_API_KEY",
        "groq",
        usage_details={},
        same_stack_as="openai",
    ),
    _openai_family(
        "fireworks",
        ChatFireworks,
        "/inference/v1",
        "accounts/fireworks/models/llama-v3p1-70b-instruct",
        "FIREWORKS_API_KEY",
        "fireworks",
        same_stack_as="openai",
    ),
    _openai_family(
        "nvidia",
        ChatNVIDIA,
        "/v1",
        "meta/llama3-70b-instruct",
        "NVIDIA_API_KEY",
        "NVIDIA",
        same_stack_as="openai",
    ),
    _openai_family(
        "together",
        ChatTogether,
        "/v1",
        "mistralai/Mixtral-8x7B-Instruct-v0.1",
        "TOGETHER_API_KEY",
        "together",
        same_stack_as="openai",
    ),
    Provider(
        id="anthropic",
        cls=ChatAnthropic,
        settings=_keyed("claude-haiku-4-5"),
        model_name="claude-haiku-4-5",
        key="sk-ant-5ecret-0123456789",
        auth=("authorization", "Bearer {key}"),
        stream_path="/v1/messages",
        prompt=_chat_json,
        non_streamed=lambda request: "stream" not in request.json,
        ls_provider="anthropic",
        finish=("stop_reason", "end_turn"),
        key_variable="ANTHROPIC_API_KEY",
        lead=1,
        first_carries_input_usage=True,
        incomplete_trail=1,
        usage_details={"input_token_details": {"cache_creation": 0, "cache_read": 0}},
        mid_stream_message="overloaded_error mid-stream: {message}",
        stainless=True,
    ),
    Provider(
        id="google_genai",
        cls=ChatGoogleGenerativeAI,
        settings=_keyed("gemini-2.5-flash"),
        model_name="gemini-2.5-flash",
        key="AIzaSy-5ecret-0123456789",
        auth=("x-goog-api-key", "{key}"),
        stream_path="/v1beta/models/gemini-2.5-flash:streamGenerateContent",
        prompt=_gemini_prompt,
        non_streamed=lambda request: request.path.endswith(":generateContent"),
        ls_provider="google_genai",
        finish=("finish_reason", "STOP"),
        key_variable="GOOGLE_API_KEY",
        stream_query={"alt": "sse"},
        streamed=_by_path,
        holders=lambda model: [model._client_options()],
        trail=0,
        max_tokens="max_output_tokens",
        mid_stream_status=500,
    ),
    Provider(
        id="google_vertexai",
        cls=ChatVertexAI,
        settings=_vertex,
        model_name="gemini-2.0-flash-001",
        key="ya29.5ecret-access-token",
        auth=("authorization", "Bearer {key}"),
        stream_path=f"{VERTEX_PREFIX}/gemini-2.0-flash-001:streamGenerateContent",
        prompt=_gemini_prompt,
        non_streamed=lambda request: request.path.endswith(":generateContent"),
        ls_provider="google_vertexai",
        finish=("finish_reason", "STOP"),
        stream_query={"alt": "sse"},
        streamed=_by_path,
        holders=lambda model: [model._client_options()],
        trail=0,
        mid_stream_status=500,
    ),
    Provider(
        id="cohere",
        cls=ChatCohere,
        settings=_keyed("command-r-plus"),
        model_name="command-r-plus",
        key="co-5ecret-0123456789",
        auth=("authorization", "Bearer {key}"),
        stream_path="/v2/chat",
        prompt=_chat_json,
        non_streamed=_stream_flag_false,
        ls_provider="cohere",
        finish=("finish_reason", "COMPLETE"),
        key_variable="COHERE_API_KEY",
    ),
    Provider(
        id="mistral",
        cls=ChatMistralAI,
        settings=_keyed("mistral-large-latest", "/mistral"),
        model_name="mistral-large-latest",
        key="mi-5ecret-0123456789",
        auth=("authorization", "Bearer {key}"),
        stream_path="/mistral/v1/chat/completions",
        prompt=_chat_json,
        non_streamed=_stream_flag_false,
        ls_provider="mistral",
        finish=("finish_reason", "stop"),
        key_variable="MISTRAL_API_KEY",
        mid_stream_message="finish_reason 'error'",
    ),
    Provider(
        id="ollama",
        cls=ChatOllama,
        settings=_keyed("llama3.2"),
        model_name="llama3.2",
        key="ol-5ecret-0123456789",
        auth=("authorization", "Bearer {key}"),
        stream_path="/api/chat",
        prompt=_chat_json,
        non_streamed=_stream_flag_false,
        ls_provider="ollama",
        finish=("done_reason", "stop"),
        max_tokens="num_predict",
    ),
]


# the providers with a client stack of their own, and those that read a key
STACKS = [p for p in PROVIDERS if p.same_stack_as is None]
KEYED = [p for p in PROVIDERS if p.key_variable is not None]


def each(providers: list[Provider]) -> pytest.MarkDecorator:
    """Run a case for these `providers` only (instead of every one)."""
    return pytest.mark.parametrize(
        "provider", providers, ids=[p.id for p in providers], indirect=True
    )


per_stack = each(STACKS)


# -- fixtures and helpers ----------------------------------------------------------------------
@pytest.fixture(params=PROVIDERS, ids=[p.id for p in PROVIDERS])
def provider(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Provider:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def make(server: FakeProviderServer, provider: Provider) -> AsyncIterator[Any]:
    """Build `provider`'s model on the fake server; its connections close after the test.

    `temperature`, `max_tokens`, `max_retries` and `timeout` go under each constructor's
    own names; `key=None` leaves the key to the environment.
    """
    made: list[Any] = []

    def build(key: str | None = provider.key, **options: Any) -> Any:
        if "max_tokens" in options:
            options[provider.max_tokens] = options.pop("max_tokens")
        made.append(provider.cls(**provider.settings(server.url, key), **options))
        return made[-1]

    yield build
    for model in made:
        if hasattr(model, "aclose"):
            await model.aclose()


def auth_of(provider: Provider, request: Request) -> str:
    return request.headers[provider.auth[0]]


# -- streaming, invoke and batch -----------------------------------------------------------------
async def test_stream_yields_each_token_then_the_usage_on_the_last_chunk(
    server: FakeProviderServer, provider: Provider, make: Any, mode: str
) -> None:
    tokens = ["The", " sky", " is", " ", "2", " ", "blue", "."]
    server.push(Reply(tokens, usage=Usage(input_tokens=12)))
    chunks: list[Any] = []
    await stream_into(make(), mode, chunks, "what color is the sky?")
    assert all(type(c) is AIMessageChunk for c in chunks)
    assert [c.content for c in chunks] == provider.contents(tokens)
    assert len({c.id for c in chunks}) == 1 and chunks[0].id.startswith("lc_run--")
    last = chunks[-1]
    assert last.chunk_position == "last"
    usage = provider.usage(12, len(tokens))
    if provider.first_carries_input_usage:
        assert chunks[0].usage_metadata["input_tokens"] == 12
        assert all(c.usage_metadata is None for c in chunks[1:-1])
        assert last.usage_metadata is not None
    else:
        assert all(c.usage_metadata is None for c in chunks[:-1])
        assert last.usage_metadata == usage
    whole = added(chunks)
    assert whole.content == "The sky is 2 blue."
    assert whole.usage_metadata == usage
    finish, reason = provider.finish
    assert last.response_metadata[finish] == whole.response_metadata[finish] == reason
    assert whole.response_metadata["model_name"] == provider.model_name
    request = server.requests[-1]
    assert (request.path, request.query) == (provider.stream_path, provider.stream_query)
    assert provider.streamed(request) and not provider.non_streamed(request)
    assert auth_of(provider, request) == provider.auth[1].format(key=provider.key)


async def test_invoke_is_one_non_streamed_request(
    server: FakeProviderServer, provider: Provider, make: Any, mode: str
) -> None:
    server.push(Reply("Paris is the capital", usage=Usage(input_tokens=7)))
    answer = await call(make(), "capital of France?", mode)
    assert type(answer) is AIMessage
    assert answer.content == "Paris is the capital"
    assert answer.id.startswith("lc_run--")
    assert answer.usage_metadata == provider.usage(7, 4)
    finish, reason = provider.finish
    assert answer.response_metadata[finish] == reason
    assert answer.response_metadata["model_name"] == provider.model_name
    assert len(server.requests) == 1 and provider.non_streamed(server.requests[-1])


async def test_batch_and_abatch_answer_every_input(
    server: FakeProviderServer, provider: Provider, make: Any
) -> None:
    model = make()
    server.push("one", "two", "three")
    answers = model.batch(["a", "b", "c"])
    assert sorted(m.content for m in answers) == ["one", "three", "two"]
    server.push("four", "five")
    answers = await model.abatch(["d", "e"])
    assert sorted(m.content for m in answers) == ["five", "four"]
    assert sorted(provider.prompt(r) for r in server.requests) == ["a", "b", "c", "d", "e"]


@per_stack
def test_a_model_serves_one_event_loop_after_another_and_leaks_nothing(
    server: FakeProviderServer, provider: Provider
) -> None:
    # Each asyncio.run is a new event loop: the model's async client must follow, and the
    # one of an ended loop must be closed with it (no unclosed socket left to the GC).
    model = provider.cls(**provider.settings(server.url, provider.key))

    async def stream() -> list[Any]:
        return [chunk.content async for chunk in model.astream("x")]

    server.push("first", "second one")
    gc.freeze()  # what was there before: the collection below looks at this test's objects
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert asyncio.run(model.ainvoke("x")).content == "first"
            assert asyncio.run(stream()) == provider.contents(["second", " one"])
            if hasattr(model, "aclose"):
                asyncio.run(model.aclose())
            gc.collect()
    finally:
        gc.unfreeze()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


# -- tracing metadata ----------------------------------------------------------------------------
async def test_events_carry_the_ls_metadata(
    server: FakeProviderServer, provider: Provider, make: Any
) -> None:
    server.push(Reply("Hi there"))
    model = make(temperature=0.3, max_tokens=256)
    events = [e async for e in model.astream_events("hello", version="v2")]
    streams = len(provider.contents(["Hi", " there"]))
    names = [e["event"] for e in events]
    assert names == [
        "on_chat_model_start",
        *["on_chat_model_stream"] * streams,
        "on_chat_model_end",
    ]
    for event in events:
        assert event["metadata"] == {
            "ls_provider": provider.ls_provider,
            "ls_model_name": provider.model_name,
            "ls_model_type": "chat",
            "ls_temperature": 0.3,
            "ls_max_tokens": 256,
        }
    streamed = [e["data"]["chunk"].content for e in events[1:-1]]
    assert streamed == provider.contents(["Hi", " there"])
    output = events[-1]["data"]["output"]
    assert output.content == "Hi there"
    assert output.usage_metadata == provider.usage(10, 2)


# -- the key -------------------------------------------------------------------------------------
async def test_the_key_never_shows(
    server: FakeProviderServer, provider: Provider, make: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    model = make()
    key = provider.key
    assert key not in repr(model) and key not in str(model)
    assert key not in json.dumps(model.model_dump(), default=str)
    assert key not in model.model_dump_json()
    assert all(key not in repr(holder) for holder in provider.holders(model))
    server.push("Hi there", Reply(status=401, error_message="Incorrect API key provided"))
    events = [e async for e in model.astream_events("hello", version="v2")]
    assert key not in repr(events)
    with pytest.raises(ProviderError) as caught:
        model.invoke("x")
    error = caught.value
    assert error.status_code == 401 and "Incorrect API key provided" in str(error)
    assert error.provider == provider.provider
    cause = error.__cause__
    for text in (str(error), repr(error), repr(error.body), str(cause), repr(cause)):
        assert key not in text
    assert caplog.records, "the client logs at DEBUG level"
    assert all(key not in record.getMessage() for record in caplog.records)
    assert key not in caplog.text
    assert auth_of(provider, server.requests[0]) == provider.auth[1].format(key=key)


@each(KEYED)
async def test_the_key_comes_from_its_variable(
    server: FakeProviderServer,
    provider: Provider,
    make: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(provider.key_variable, "from-env")
    server.push("ok")
    assert make(key=None).invoke("x").content == "ok"
    assert auth_of(provider, server.requests[-1]) == provider.auth[1].format(key="from-env")


@each(KEYED)
def test_a_missing_key_names_the_variable(provider: Provider) -> None:
    settings = {k: v for k, v in provider.settings("http://127.0.0.1:9", None).items()}
    settings.pop("base_url", None)
    settings.pop("azure_endpoint", None)
    with pytest.raises(MissingAPIKeyError, match=provider.key_variable) as caught:
        provider.cls(**{**settings, **provider.required})
    assert caught.value.variable == provider.key_variable


# -- failures ------------------------------------------------------------------------------------
@per_stack
async def test_a_stream_without_its_terminal_event_is_incomplete(
    server: FakeProviderServer, provider: Provider, make: Any, mode: str
) -> None:
    server.push(Reply("one two three", terminal=False))
    got: list[Any] = []
    with pytest.raises(IncompleteStreamError, match="terminal event") as caught:
        await stream_into(make(), mode, got)
    assert [c.content for c in got] == provider.contents(
        ["one", " two", " three"], trail=provider.incomplete_trail
    )
    assert caught.value.partial.content == "one two three"
    assert caught.value.provider == provider.provider
    assert len(server.requests) == 1


@per_stack
async def test_429_and_5xx_are_retried_honouring_retry_after(
    server: FakeProviderServer, provider: Provider, make: Any, mode: str
) -> None:
    model = make(max_retries=2)
    server.push(
        Reply(status=429, retry_after=0.02), Reply(status=500, retry_after=0.001), "streamed"
    )
    started = time.monotonic()
    got: list[Any] = []
    await stream_into(model, mode, got)
    assert time.monotonic() - started >= 0.02  # as retry-after says
    assert "".join(c.content for c in got) == "streamed"
    server.push(
        Reply(status=503, retry_after=0.001), Reply(status=502, retry_after=0.001), "invoked"
    )
    assert (await call(model, "hi", mode)).content == "invoked"
    assert len(server.requests) == 6
    if provider.stainless:  # the SDK's own retries are off: runnel retries
        assert {r.headers["x-stainless-retry-count"] for r in server.requests} == {"0"}


@per_stack
async def test_retries_are_bounded_then_the_providers_message_surfaces(
    server: FakeProviderServer, provider: Provider, make: Any, mode: str
) -> None:
    model = make(max_retries=2)
    message = "Rate limit reached, please slow down"
    server.default = Reply(status=429, retry_after=0.001, error_message=message)
    for attempt in (lambda: call(model, "hi", mode), lambda: stream_into(model, mode, [])):
        with pytest.raises(ProviderError) as caught:
            await attempt()
        error = caught.value
        assert error.status_code == 429 and message in str(error)
        assert error.provider == provider.provider
        assert error.retryable and error.retry_after == pytest.approx(0.001)
    assert len(server.requests) == 6  # twice the first try and max_retries=2


async def test_a_4xx_surfaces_the_message_without_retrying(
    server: FakeProviderServer, provider: Provider, make: Any, mode: str
) -> None:
    model = make(max_retries=2)
    for tries, status in enumerate([400, 404, 422], start=1):
        # were it retried, the retry would meet the fake's "no scripted reply left" error
        server.push(Reply(status=status, error_message=f"Invalid model: nope {status}"))
        got: list[Any] = []
        with pytest.raises(ProviderError) as caught:
            await stream_into(model, mode, got)
        error = caught.value
        assert got == []
        assert error.status_code == status and f"Invalid model: nope {status}" in str(error)
        assert error.provider == provider.provider and not error.retryable
        assert len(server.requests) == tries


@per_stack
async def test_a_slow_first_byte_is_a_provider_timeout(
    server: FakeProviderServer, provider: Provider, make: Any, mode: str
) -> None:
    server.push(Reply("late", first_byte_delay=1.0))
    got: list[Any] = []
    started = time.monotonic()
    with pytest.raises(ProviderTimeout, match="timed out") as caught:
        await stream_into(make(timeout=0.03, max_retries=0), mode, got)
    assert time.monotonic() - started < 0.9
    assert got == [] and isinstance(caught.value, TimeoutError)
    assert len(server.requests) == 1


@per_stack
async def test_an_error_mid_stream_comes_after_the_delivered_chunks(
    server: FakeProviderServer, provider: Provider, make: Any, mode: str
) -> None:
    server.push(Reply("a b c d e", error_after=2, error_message="The model is overloaded"))
    got: list[Any] = []
    with pytest.raises(ProviderError) as caught:
        await stream_into(make(), mode, got)
    error = caught.value
    assert [c.content for c in got] == provider.contents(["a", " b"], trail=0)
    said = provider.mid_stream_message or "{message}"
    assert said.format(message="The model is overloaded") in str(error)
    assert not isinstance(error, IncompleteStreamError)
    assert error.partial.content == "a b"
    assert error.status_code == provider.mid_stream_status
    assert len(server.requests) == 1  # never retried once chunks were delivered


@per_stack
async def test_a_dropped_connection_comes_after_the_delivered_chunks(
    server: FakeProviderServer, provider: Provider, make: Any, mode: str
) -> None:
    server.push(Reply("a b c d e", drop_after=3), "not reached")
    got: list[Any] = []
    with pytest.raises(ProviderError, match="connection") as caught:
        await stream_into(make(), mode, got)
    assert [c.content for c in got] == provider.contents(["a", " b", " c"], trail=0)
    assert not isinstance(caught.value, IncompleteStreamError)
    assert caught.value.partial.content == "a b c"
    assert len(server.requests) == 1


# -- cancellation --------------------------------------------------------------------------------
SLOW = Reply("one two three four five six seven eight nine ten", delay=0.02)


@per_stack
def test_breaking_out_of_a_stream_closes_the_response(
    server: FakeProviderServer, provider: Provider
) -> None:
    server.push(SLOW)
    model = provider.cls(**provider.settings(server.url, provider.key))
    for chunk in model.stream("hi"):
        if chunk.content:
            break
    gone = server.wait_for_disconnect()
    assert gone.path == provider.stream_path and 1 <= gone.tokens_sent < 10
    if hasattr(model, "close"):
        model.close()


@per_stack
async def test_aclose_closes_the_response(
    server: FakeProviderServer, provider: Provider, make: Any
) -> None:
    server.push(SLOW)
    stream = make().astream("hi")
    for _ in range(provider.lead):
        assert (await stream.__anext__()).content == ""
    assert (await stream.__anext__()).content == "one"
    await stream.aclose()
    gone = await server.await_disconnect()
    assert gone.path == provider.stream_path and 1 <= gone.tokens_sent < 10


@per_stack
async def test_cancelling_the_task_closes_the_response(
    server: FakeProviderServer, provider: Provider, make: Any
) -> None:
    server.push(SLOW)
    model = make()
    got: list[Any] = []
    received = anyio.Event()

    async def read() -> None:
        async for chunk in model.astream("hi"):
            got.append(chunk)
            if chunk.content:
                received.set()

    async with anyio.create_task_group() as group:
        group.start_soon(read)
        await received.wait()
        group.cancel_scope.cancel()
    gone = await server.await_disconnect()
    assert gone.path == provider.stream_path and 1 <= gone.tokens_sent < 10
    assert len(got) < 10
