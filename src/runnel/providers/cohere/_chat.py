"""`ChatCohere`: Cohere's chat models through the official SDK's v2 chat API."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any, ClassVar

from pydantic import AliasChoices, Field, PrivateAttr, SecretStr

from runnel.language_models import LanguageModelInput
from runnel.language_models._structured import StructuredOutputMethod
from runnel.messages import BaseMessage, SystemMessage, message_chunk_to_message
from runnel.outputs import ChatGeneration, ChatResult
from runnel.providers._base import ProviderChatModel
from runnel.providers._keys import import_sdk
from runnel.providers._loops import Clients, sdk_on_http
from runnel.providers._tls import ssl_context
from runnel.providers.cohere._request import (
    cohere_messages,
    cohere_response_format,
    cohere_tool_choice,
)
from runnel.providers.cohere._stream import CohereStream, whole_message
from runnel.runnables import Runnable
from runnel.utils.function_calling import convert_to_openai_tool

__all__ = ["ChatCohere"]

_cohere: Any = import_sdk("cohere", extra="cohere")
_httpx: Any = import_sdk("httpx", extra="cohere")
_ApiError: type[Exception] = import_sdk("cohere.core.api_error", extra="cohere").ApiError

_DEFAULT_TIMEOUT = 300.0  # the SDK's default, in seconds


class ChatCohere(ProviderChatModel):
    """Cohere chat models (Command family), streamed token by token.

    Uses the official ``cohere`` SDK's v2 chat API (``POST /v2/chat``). The key comes from
    ``api_key`` (alias ``cohere_api_key``) or the ``COHERE_API_KEY`` environment variable.
    Retries are runnel's (the SDK's own are turned off; it never retries streams anyway).
    The model keeps its HTTP connections open for reuse; `close` / `aclose` release them.

    Example:
        ```python
        from runnel.providers.cohere import ChatCohere

        model = ChatCohere(model="command-r-plus")
        for chunk in model.stream("what color is the sky?"):
            print(chunk.content, end="|")
        ```

    Attributes:
        model: The model name (alias ``model_name``).
        temperature: Sampling temperature (Cohere's default 0.3 when unset).
        max_tokens: The most tokens to generate.
        k: Top-k sampling.
        p: Nucleus sampling.
        seed: Seed for best-effort deterministic sampling.
        frequency_penalty: Penalty on tokens by how often they appeared.
        presence_penalty: Penalty on tokens that appeared at all.
        stop: Default stop sequences (``stop_sequences``).
        preamble: A system message put before the conversation.
        user_agent: The client name sent to Cohere.
        timeout: Seconds before a request fails (alias ``timeout_seconds``; default 300).
    """

    _provider: ClassVar[str] = "cohere"
    _key_variable: ClassVar[str | None] = "COHERE_API_KEY"
    # Cohere's structured outputs (``response_format`` with a schema)
    _default_structured_method: ClassVar[StructuredOutputMethod] = "json_schema"

    model: str = Field(
        default="command-a-03-2025", validation_alias=AliasChoices("model", "model_name")
    )
    api_key: SecretStr | None = Field(
        default=None, repr=False, validation_alias=AliasChoices("api_key", "cohere_api_key")
    )
    timeout: float | None = Field(
        default=None, validation_alias=AliasChoices("timeout", "timeout_seconds")
    )
    temperature: float | None = None
    max_tokens: int | None = None
    k: int | None = None
    p: float | None = None
    seed: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    stop: list[str] | None = None
    preamble: str | None = None
    user_agent: str = "runnel"

    _clients: Clients[tuple[Any, Any], tuple[Any, Any]] = PrivateAttr(default_factory=sdk_on_http)

    @property
    def _llm_type(self) -> str:
        return "cohere-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, **self._options()}

    # -- tools and structured output -------------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: Any = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, BaseMessage]:
        """A copy of the model that may call `tools` (Cohere's tools are OpenAI-shaped).

        Args:
            tools: Tools, pydantic models, TypedDicts, functions or tool dicts.
            tool_choice: ``"required"`` / ``"any"`` / a tool's name (Cohere then must call
                a tool, it cannot be told which), ``"none"``, or ``"auto"`` / None.
            strict: True to have Cohere follow the tools' schemas strictly
                (``strict_tools``).
            **kwargs: More request parameters to bind.
        """
        formatted = [convert_to_openai_tool(tool) for tool in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        if strict is not None:
            kwargs["strict_tools"] = strict
        return self.bind(tools=formatted, **kwargs)

    # -- the provider hooks ----------------------------------------------------------------
    def _options(self) -> dict[str, Any]:
        options = {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "k": self.k,
            "p": self.p,
            "seed": self.seed,
            "frequency_penalty": self.frequency_penalty,
            "presence_penalty": self.presence_penalty,
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
        preamble = params.pop("preamble", self.preamble)
        if preamble:
            messages = [SystemMessage(preamble), *messages]
        request: dict[str, Any] = {
            "model": params.pop("model", self.model),
            "messages": cohere_messages(messages),
            **self._options(),
        }
        stop = stop or self.stop
        if stop:
            request["stop_sequences"] = stop
        if "tool_choice" in params:
            choice = cohere_tool_choice(params.pop("tool_choice"))
            if choice is not None:
                request["tool_choice"] = choice
        if params.get("response_format") is not None:
            params["response_format"] = cohere_response_format(params["response_format"])
        request.update(params)
        return request

    def _decoder(self) -> CohereStream:
        return CohereStream(self.model)

    def _client_options(self, http: Any) -> dict[str, Any]:
        options: dict[str, Any] = {
            "api_key": self._secret(),
            "client_name": self.user_agent,
            "timeout": self._timeout(),
            "max_retries": 0,
            "httpx_client": http,
        }
        if self.base_url:
            options["base_url"] = self.base_url
        return options

    def _timeout(self) -> float:
        return self.timeout if self.timeout is not None else _DEFAULT_TIMEOUT

    def _http_options(self) -> dict[str, Any]:
        return {"timeout": self._timeout(), "follow_redirects": True, "verify": ssl_context(_httpx)}

    def _sync(self) -> Any:
        return self._clients.sync(self._new_sync)[1]

    def _async(self) -> Any:
        return self._clients.async_(self._new_async)[1]

    def _new_sync(self) -> tuple[Any, Any]:
        """An HTTP client and the SDK client on it."""
        http = _httpx.Client(**self._http_options())
        return http, _cohere.ClientV2(**self._client_options(http))

    def _new_async(self) -> tuple[Any, Any]:
        """An async HTTP client and the SDK client on it."""
        http = _httpx.AsyncClient(**self._http_options())
        return http, _cohere.AsyncClientV2(**self._client_options(http))

    def close(self) -> None:
        """Close the HTTP connections of the sync client (reopened if the model is used)."""
        self._clients.close()

    async def aclose(self) -> None:
        """Close the HTTP connections of the sync client and of the running event loop's
        async client (an async client is also closed when its event loop shuts down)."""
        await self._clients.aclose()

    @contextmanager
    def _open_stream(self, request: dict[str, Any]) -> Iterator[Iterable[Any]]:
        with self._sync().v2.with_raw_response.chat_stream(**request) as response:
            yield response.data

    @asynccontextmanager
    async def _aopen_stream(self, request: dict[str, Any]) -> AsyncIterator[AsyncIterable[Any]]:
        async with self._async().v2.with_raw_response.chat_stream(**request) as response:
            yield response.data

    def _complete(self, request: dict[str, Any]) -> ChatResult:
        response = self._sync().v2.chat(**request)
        return _result(response, request["model"])

    async def _acomplete(self, request: dict[str, Any]) -> ChatResult:
        response = await self._async().v2.chat(**request)
        return _result(response, request["model"])


def _result(response: Any, model: str) -> ChatResult:
    message = message_chunk_to_message(whole_message(response, model))
    return ChatResult(generations=[ChatGeneration(message=message)])
