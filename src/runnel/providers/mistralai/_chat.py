"""`ChatMistralAI`: Mistral's chat models through the official ``mistralai`` SDK."""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any, ClassVar

from pydantic import AliasChoices, Field, PrivateAttr, SecretStr

from runnel.language_models import LanguageModelInput
from runnel.messages import BaseMessage, message_chunk_to_message
from runnel.outputs import ChatGeneration, ChatResult
from runnel.providers._base import ProviderChatModel
from runnel.providers._keys import import_sdk
from runnel.providers._loops import Clients, sdk_on_http
from runnel.providers._tls import ssl_context
from runnel.providers.mistralai._request import mistral_messages, mistral_tool_choice
from runnel.providers.mistralai._stream import MistralStream, whole_message
from runnel.runnables import Runnable
from runnel.utils.function_calling import convert_to_openai_tool

__all__ = ["ChatMistralAI"]

import_sdk("mistralai", extra="mistralai")  # a missing SDK names the extra to install
_client_module: Any = import_sdk("mistralai.client", extra="mistralai")
#: The HTTP library the installed SDK is built on (``httpx2`` in mistralai 3).
_httpx: Any = import_sdk("mistralai.client.httpclient", extra="mistralai").httpx


class ChatMistralAI(ProviderChatModel):
    """Mistral chat models, streamed token by token.

    Uses the official ``mistralai`` SDK (``POST /v1/chat/completions``). The key comes from
    ``api_key`` (alias ``mistral_api_key``) or the ``MISTRAL_API_KEY`` environment
    variable. The SDK's own retries stay off: runnel retries (``max_retries``). The model
    keeps its HTTP connections open for reuse; `close` / `aclose` release them.

    ``base_url`` (alias ``endpoint``; default ``MISTRAL_BASE_URL``, else Mistral's API) is
    the server root; a trailing ``/v1`` (LangChain's form) is dropped.

    Example:
        ```python
        from runnel.providers.mistralai import ChatMistralAI

        model = ChatMistralAI(model="mistral-large-latest")
        for chunk in model.stream("what color is the sky?"):
            print(chunk.content, end="|")
        ```

    Attributes:
        model: The model name (alias ``model_name``).
        temperature: Sampling temperature.
        max_tokens: The most tokens to generate.
        top_p: Nucleus sampling.
        random_seed: Seed for deterministic sampling.
        safe_mode: Ask Mistral to inject its safety prompt (``safe_prompt``).
        stop: Default stop sequences.
    """

    _provider: ClassVar[str] = "mistral"
    _key_variable: ClassVar[str | None] = "MISTRAL_API_KEY"

    model: str = Field(
        default="mistral-small", validation_alias=AliasChoices("model", "model_name")
    )
    api_key: SecretStr | None = Field(
        default=None, repr=False, validation_alias=AliasChoices("api_key", "mistral_api_key")
    )
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "endpoint")
    )
    temperature: float = 0.7
    max_tokens: int | None = None
    top_p: float = 1
    random_seed: int | None = None
    safe_mode: bool | None = None
    stop: list[str] | None = None

    _clients: Clients[tuple[Any, Any], tuple[Any, Any]] = PrivateAttr(default_factory=sdk_on_http)

    @property
    def _llm_type(self) -> str:
        return "mistralai-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, **self._options()}

    # -- tools -----------------------------------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: Any = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, BaseMessage]:
        """A copy of the model that may call `tools`.

        Args:
            tools: Tools, pydantic models, TypedDicts, functions or tool dicts.
            tool_choice: A tool's name (that tool must be called), ``"any"`` /
                ``"required"`` / True (some tool must be), ``"auto"`` or ``"none"``.
            strict: The functions' ``strict`` flag.
            **kwargs: More request parameters to bind (e.g. ``parallel_tool_calls``).
        """
        formatted = [convert_to_openai_tool(tool, strict=strict) for tool in tools]
        if tool_choice is not None:
            names = [tool["function"]["name"] for tool in formatted if "function" in tool]
            kwargs["tool_choice"] = mistral_tool_choice(tool_choice, names)
        return self.bind(tools=formatted, **kwargs)

    # -- the provider hooks ----------------------------------------------------------------
    def _options(self) -> dict[str, Any]:
        options = {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "top_p": self.top_p,
            "random_seed": self.random_seed,
            "safe_prompt": self.safe_mode,
        }
        return {key: value for key, value in options.items() if value is not None}

    def _request(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        *,
        stream: bool,
    ) -> dict[str, Any]:
        params = dict(kwargs)
        request: dict[str, Any] = {
            "model": params.pop("model", self.model),
            "messages": mistral_messages(messages),
            **self._options(),
        }
        stop = stop or self.stop
        if stop:
            request["stop"] = stop
        request.update(params)
        return request

    def _decoder(self) -> MistralStream:
        return MistralStream()

    def _server_url(self) -> str | None:
        url = self.base_url or os.environ.get("MISTRAL_BASE_URL")
        if not url:
            return None
        url = url.rstrip("/")
        return url[: -len("/v1")] if url.endswith("/v1") else url

    def _sdk_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"api_key": self._secret()}
        if (url := self._server_url()) is not None:
            options["server_url"] = url
        if self.timeout is not None:
            options["timeout_ms"] = int(self.timeout * 1000)
        return options

    def _client(self) -> Any:
        """The SDK for sync calls, on an HTTP client of the model's own (see `close`)."""
        return self._clients.sync(self._new_sync)[1]

    def _aclient(self) -> Any:
        """The SDK for async calls in the running event loop."""
        return self._clients.async_(self._new_async)[1]

    def _new_sync(self) -> tuple[Any, Any]:
        """A sync HTTP client and the SDK on it."""
        http = _httpx.Client(**_http_options())
        idle = _httpx.AsyncClient(**_http_options())  # unused: async calls have theirs
        return http, _client_module.Mistral(client=http, async_client=idle, **self._sdk_options())

    def _new_async(self) -> tuple[Any, Any]:
        """An async HTTP client and the SDK on it."""
        http = _httpx.AsyncClient(**_http_options())
        idle = _httpx.Client(**_http_options())  # unused: sync calls have theirs
        sdk = _client_module.Mistral(client=idle, async_client=http, **self._sdk_options())
        return http, sdk

    def close(self) -> None:
        """Close the HTTP connections of the sync client (reopened if the model is used)."""
        self._clients.close()

    async def aclose(self) -> None:
        """Close the HTTP connections of the sync client and of the running event loop's
        async client (an async client is also closed when its event loop shuts down)."""
        await self._clients.aclose()

    @contextmanager
    def _open_stream(self, request: dict[str, Any]) -> Iterator[Iterable[Any]]:
        with self._client().chat.stream(**request) as events:
            yield events

    @asynccontextmanager
    async def _aopen_stream(self, request: dict[str, Any]) -> AsyncIterator[AsyncIterable[Any]]:
        async with await self._aclient().chat.stream_async(**request) as events:
            yield events

    def _complete(self, request: dict[str, Any]) -> ChatResult:
        response = self._client().chat.complete(**request)
        return _result(response)

    async def _acomplete(self, request: dict[str, Any]) -> ChatResult:
        response = await self._aclient().chat.complete_async(**request)
        return _result(response)


def _http_options() -> dict[str, Any]:
    return {"follow_redirects": True, "verify": ssl_context(_httpx)}


def _result(response: Any) -> ChatResult:
    message = message_chunk_to_message(whole_message(response))
    return ChatResult(generations=[ChatGeneration(message=message)])
