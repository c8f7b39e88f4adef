"""`ProviderChatModel` and `ProviderLLM`: what every provider integration shares.

An integration subclasses one of them and supplies four things: the request for a call
(`_request`), how to open the SDK's stream for it (`_open_stream` / `_aopen_stream`, context
managers that close the HTTP response on exit), a `StreamDecoder` for its events
(`_decoder`), and optionally a non-streamed call (`_complete` / `_acomplete`). The base
does the rest the same way for all: the API key from its environment variable, retries
before the first chunk (honouring ``retry-after``), typed errors that keep the chunks
already delivered, the incomplete-stream check, and closing the response as soon as the
consumer stops reading.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any, ClassVar, Generic, Literal, TypeVar, overload

import anyio
from pydantic import BaseModel, Field, SecretStr

from runnel.callbacks.manager import AsyncRunManager, RunManager
from runnel.language_models._chat import BaseChatModel
from runnel.language_models._llms import BaseLLM
from runnel.language_models._structured import StructuredOutputMethod
from runnel.messages import BaseMessage
from runnel.outputs import (
    ChatGeneration,
    ChatGenerationChunk,
    ChatResult,
    Generation,
    GenerationChunk,
    LLMResult,
    merge_chat_generation_chunks,
)
from runnel.providers._errors import aretrying, retrying
from runnel.providers._guard import Guard, StreamDecoder
from runnel.providers._keys import api_key
from runnel.runnables import Runnable

__all__ = ["ProviderChatModel", "ProviderLLM", "ProviderSettings"]

C = TypeVar("C", ChatGenerationChunk, GenerationChunk)
M = TypeVar("M", bound=BaseModel)


class ProviderSettings(BaseModel):
    """The fields every provider model has (each integration may add aliases and more).

    Attributes:
        api_key: The key; by default read from the provider's environment variable.
            Held as a `SecretStr`: it never appears in a repr, a log line or an event.
        base_url: Where to send requests instead of the provider's default URL.
        timeout: Seconds before a request fails with `ProviderTimeout`.
        max_retries: Retries of a call that failed before its first chunk (timeouts,
            dropped connections, 408, 409, 429, 5xx), waiting as ``retry-after`` says.
    """

    api_key: SecretStr | None = Field(default=None, repr=False)
    base_url: str | None = None
    timeout: float | None = None
    max_retries: int = 2

    _provider: ClassVar[str] = ""
    _key_variable: ClassVar[str | None] = None

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        if self._key_variable is not None:
            self.api_key = api_key(
                self.api_key, variable=self._key_variable, provider=self._provider
            )

    def _secret(self) -> str | None:
        """The API key in clear, for the SDK client only."""
        return self.api_key.get_secret_value() if self.api_key is not None else None


class _Streaming(Generic[C]):
    """The guarded sync and async stream loops, shared by the chat and text bases."""

    _provider: ClassVar[str]
    max_retries: int

    def _decoder(self) -> StreamDecoder[C]:
        raise NotImplementedError

    def _open_stream(self, request: dict[str, Any]) -> AbstractContextManager[Iterable[Any]]:
        """The SDK's stream of events for `request`, closing the response on exit."""
        raise NotImplementedError

    def _aopen_stream(
        self, request: dict[str, Any]
    ) -> AbstractAsyncContextManager[AsyncIterable[Any]]:
        """Async twin of `_open_stream`."""
        raise NotImplementedError

    @classmethod
    def _lm_provider(cls) -> str:
        return cls._provider

    def _part(self, chunk: C) -> Any:
        """What of a delivered chunk adds up to an error's `partial`."""
        raise NotImplementedError

    def _guarded(
        self, open_stream: Callable[[], AbstractContextManager[Iterable[Any]]]
    ) -> Iterator[C]:
        guard = Guard(self._provider, self.max_retries, self._decoder, self._part)
        while True:
            guard.attempt()
            try:
                with open_stream() as events:
                    for event in events:
                        if (chunk := guard.chunk(event)) is not None:
                            yield chunk
                guard.finish()
                return
            except Exception as error:
                time.sleep(guard.failed(error))

    async def _aguarded(
        self, open_stream: Callable[[], AbstractAsyncContextManager[AsyncIterable[Any]]]
    ) -> AsyncIterator[C]:
        guard = Guard(self._provider, self.max_retries, self._decoder, self._part)
        while True:
            guard.attempt()
            try:
                async with open_stream() as events:
                    async for event in events:
                        if (chunk := guard.chunk(event)) is not None:
                            yield chunk
                guard.finish()
                return
            except Exception as error:
                await anyio.sleep(guard.failed(error))


class ProviderChatModel(_Streaming[ChatGenerationChunk], BaseChatModel, ProviderSettings):
    """Base of the provider chat models (see the module docstring for the hooks)."""

    #: `with_structured_output`'s default method: LangChain's for the provider's class
    _default_structured_method: ClassVar[StructuredOutputMethod] = "function_calling"

    # -- structured output ------------------------------------------------------------------
    @overload
    def with_structured_output(
        self,
        schema: type[M],
        *,
        method: StructuredOutputMethod | None = ...,
        include_raw: Literal[False] = ...,
        **kwargs: Any,
    ) -> Runnable[Any, M]: ...

    @overload
    def with_structured_output(
        self,
        schema: Any = ...,
        *,
        method: StructuredOutputMethod | None = ...,
        include_raw: bool = ...,
        **kwargs: Any,
    ) -> Runnable[Any, Any]: ...

    def with_structured_output(
        self,
        schema: Any = None,
        *,
        method: StructuredOutputMethod | None = None,
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[Any, Any]:
        """A runnable answering with an object fitting `schema`, streamed as it grows.

        As `BaseChatModel.with_structured_output`; the default method is the one
        LangChain's class for the provider uses (``json_schema``: the provider's
        structured outputs, or ``function_calling``: `schema` as the one tool to call).
        """
        method = self._structured_method(method or self._default_structured_method, schema)
        return super().with_structured_output(
            schema, method=method, include_raw=include_raw, **kwargs
        )

    def _structured_method(
        self, method: StructuredOutputMethod, schema: Any
    ) -> StructuredOutputMethod:
        """The method to use when `method` is asked for (a provider may replace one it
        lacks)."""
        return method

    # -- integration hooks ------------------------------------------------------------------
    def _request(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        *,
        stream: bool,
    ) -> dict[str, Any]:
        """The SDK call's arguments for `messages`."""
        raise NotImplementedError

    def _complete(self, request: dict[str, Any]) -> ChatResult | None:
        """A non-streamed call; None (the default) streams and adds the chunks up."""
        return None

    async def _acomplete(self, request: dict[str, Any]) -> ChatResult | None:
        """Async twin of `_complete`."""
        return None

    def _part(self, chunk: ChatGenerationChunk) -> Any:
        return chunk.message

    # -- the BaseChatModel hooks ------------------------------------------------------------
    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request = self._request(messages, stop, kwargs, stream=True)
        return self._guarded(lambda: self._open_stream(request))

    def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request = self._request(messages, stop, kwargs, stream=True)
        return self._aguarded(lambda: self._aopen_stream(request))

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = self._request(messages, stop, kwargs, stream=False)
        result = retrying(self._provider, self.max_retries, lambda: self._complete(request))
        if result is not None:
            return result
        return _chat_result(list(self._stream(messages, stop, None, **kwargs)))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = self._request(messages, stop, kwargs, stream=False)
        result = await aretrying(self._provider, self.max_retries, lambda: self._acomplete(request))
        if result is not None:
            return result
        return _chat_result([c async for c in self._astream(messages, stop, None, **kwargs)])


class ProviderLLM(_Streaming[GenerationChunk], BaseLLM, ProviderSettings):
    """Base of the provider text-completion models (hooks as `ProviderChatModel`)."""

    def _request(
        self, prompt: str, stop: list[str] | None, kwargs: dict[str, Any], *, stream: bool
    ) -> dict[str, Any]:
        """The SDK call's arguments for `prompt`."""
        raise NotImplementedError

    def _part(self, chunk: GenerationChunk) -> Any:
        return chunk.text

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        request = self._request(prompt, stop, kwargs, stream=True)
        return self._guarded(lambda: self._open_stream(request))

    def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        request = self._request(prompt, stop, kwargs, stream=True)
        return self._aguarded(lambda: self._aopen_stream(request))

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        return LLMResult(
            generations=[
                [_generation(list(self._stream(p, stop, None, **kwargs)))] for p in prompts
            ]
        )

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        generations = []
        for prompt in prompts:
            chunks = [c async for c in self._astream(prompt, stop, None, **kwargs)]
            generations.append([_generation(chunks)])
        return LLMResult(generations=generations)


def _chat_result(chunks: list[ChatGenerationChunk]) -> ChatResult:
    merged = merge_chat_generation_chunks(chunks)
    if merged is None:
        raise ValueError("the provider's stream carried no message")
    return ChatResult(
        generations=[ChatGeneration(message=merged.message, generation_info=merged.generation_info)]
    )


def _generation(chunks: list[GenerationChunk]) -> Generation:
    info: dict[str, Any] = {}
    for chunk in chunks:
        info.update(chunk.generation_info or {})
    return Generation(text="".join(c.text for c in chunks), generation_info=info or None)
