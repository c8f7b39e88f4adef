"""`ChatAnthropic`: Claude models through the Anthropic Messages API."""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any, ClassVar

from pydantic import AliasChoices, ConfigDict, Field, PrivateAttr, SecretStr

from runnel.language_models._structured import StructuredOutputMethod
from runnel.messages import BaseMessage
from runnel.outputs import ChatResult
from runnel.providers._base import ProviderChatModel
from runnel.providers._keys import import_sdk
from runnel.providers._loops import Clients
from runnel.providers.anthropic._messages import format_messages
from runnel.providers.anthropic._request import needs_blocks, output_format, sdk_arguments
from runnel.providers.anthropic._response import chat_result
from runnel.providers.anthropic._stream import AnthropicDecoder, StreamOptions, stream_error
from runnel.providers.anthropic._tools import convert_to_anthropic_tool, tool_choice_param
from runnel.runnables import Runnable

anthropic = import_sdk("anthropic", extra="anthropic")

__all__ = ["ChatAnthropic"]


class ChatAnthropic(ProviderChatModel):
    """Anthropic's Claude chat models, streamed token by token.

    The key is read from ``ANTHROPIC_API_KEY`` unless given. Field names are LangChain's
    (and its aliases are accepted: ``model_name``, ``max_tokens_to_sample``,
    ``anthropic_api_key``, ``anthropic_api_url``, ``stop``, ``default_request_timeout``).

    Attributes:
        model: The model name, e.g. ``"claude-3-5-haiku-latest"``.
        max_tokens: The most tokens to generate (Anthropic requires a limit).
        temperature: Sampling temperature (0 to 1).
        top_k: Sample from the k likeliest tokens only.
        top_p: Nucleus sampling mass.
        stop_sequences: Strings that end the answer (a call's ``stop`` replaces them).
        default_headers: Headers sent with every request.
        thinking: Extended thinking, e.g. ``{"type": "enabled", "budget_tokens": 2048}``;
            the answer's content is then a list of blocks, thinking blocks included.
        stream_usage: Put token usage on the streamed chunks.
        model_kwargs: More request fields, sent as given.
    """

    model_config = ConfigDict(populate_by_name=True)

    _provider: ClassVar[str] = "anthropic"
    _key_variable: ClassVar[str | None] = "ANTHROPIC_API_KEY"

    model: str = Field(validation_alias=AliasChoices("model", "model_name"))
    max_tokens: int = Field(
        default=1024, validation_alias=AliasChoices("max_tokens", "max_tokens_to_sample")
    )
    temperature: float | None = None
    top_k: int | None = None
    top_p: float | None = None
    stop_sequences: list[str] | None = Field(
        default=None, validation_alias=AliasChoices("stop_sequences", "stop")
    )
    api_key: SecretStr | None = Field(
        default=None, repr=False, validation_alias=AliasChoices("api_key", "anthropic_api_key")
    )
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "anthropic_api_url")
    )
    timeout: float | None = Field(
        default=None, validation_alias=AliasChoices("timeout", "default_request_timeout")
    )
    default_headers: dict[str, str] | None = None
    thinking: dict[str, Any] | None = None
    stream_usage: bool = True
    model_kwargs: dict[str, Any] = Field(default_factory=dict)

    _clients: Clients[Any, Any] = PrivateAttr(
        default_factory=lambda: Clients(lambda c: c.close(), lambda c: c.close())
    )

    # -- LangChain's names -----------------------------------------------------------------
    @property
    def anthropic_api_key(self) -> SecretStr | None:
        """The API key (LangChain's name for `api_key`)."""
        return self.api_key

    @property
    def anthropic_api_url(self) -> str | None:
        """The base URL (LangChain's name for `base_url`)."""
        return self.base_url

    @property
    def _llm_type(self) -> str:
        return "anthropic-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_k": self.top_k,
            "top_p": self.top_p,
            "model_kwargs": self.model_kwargs,
            "streaming": self.streaming,
            "max_retries": self.max_retries,
            "default_request_timeout": self.timeout,
            "thinking": self.thinking,
        }

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = {
            "ls_provider": self._provider,
            "ls_model_name": kwargs.get("model", self.model),
            "ls_model_type": "chat",
            "ls_temperature": kwargs.get("temperature", self.temperature),
        }
        if max_tokens := kwargs.get("max_tokens", self.max_tokens):
            params["ls_max_tokens"] = max_tokens
        if stop:
            params["ls_stop"] = stop
        return params

    # -- tools and structured output -------------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[Mapping[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | Mapping[str, Any] | bool | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[Any, Any]:
        """A copy of the model that may call `tools`, sent in Anthropic's tool format.

        Args:
            tools: Runnel tools, pydantic models, TypedDicts, functions or dicts (see
                `convert_to_anthropic_tool`).
            tool_choice: A tool's name (that tool must be called), ``"any"`` (some tool
                must be), ``"auto"``, ``"none"``, or Anthropic's dict.
            parallel_tool_calls: False to have at most one tool called per answer.
            strict: The tools' ``strict`` flag.
            **kwargs: More request fields for every call.

        Raises:
            ValueError: a tool or the tool choice cannot be converted.
        """
        formatted = [convert_to_anthropic_tool(tool, strict=strict) for tool in tools]
        choice = tool_choice_param(tool_choice, parallel_tool_calls)
        if choice is not None:
            kwargs["tool_choice"] = choice
        return self.bind(tools=formatted, **kwargs)

    def _structured_method(
        self, method: StructuredOutputMethod, schema: Any
    ) -> StructuredOutputMethod:
        """``function_calling`` (the default) forces a call of `schema` as a tool;
        ``json_schema`` uses Anthropic's structured outputs (``output_config.format``).
        Anthropic has no JSON mode: ``json_mode`` is taken as ``json_schema`` with a
        warning, as LangChain does.

        Raises:
            ValueError: ``json_mode`` without a schema.
        """
        if method == "json_mode":
            if schema is None:
                raise ValueError(
                    "Anthropic has no JSON mode: pass a schema (method='json_schema' or "
                    "'function_calling')"
                )
            warnings.warn(
                "Anthropic has no JSON mode: using method='json_schema' instead",
                UserWarning,
                stacklevel=3,
            )
            return "json_schema"
        return method

    # -- the provider hooks ----------------------------------------------------------------
    def _request(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        *,
        stream: bool,
    ) -> dict[str, Any]:
        system, turns = format_messages(messages)
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "messages": turns,
        }
        if system is not None:
            params["system"] = system
        for name in ("temperature", "top_k", "top_p", "thinking"):
            if (value := getattr(self, name)) is not None:
                params[name] = value
        if stops := stop or self.stop_sequences:
            params["stop_sequences"] = list(stops)
        params.update(self.model_kwargs)
        params.update(kwargs)
        stream_usage = bool(params.pop("stream_usage", self.stream_usage))
        if (response_format := params.pop("response_format", None)) is not None:
            config = dict(params.get("output_config") or {})
            config["format"] = output_format(response_format)
            params["output_config"] = config
        if stream:
            params["stream"] = True
        options = StreamOptions(as_text=not needs_blocks(params), stream_usage=stream_usage)
        return {"arguments": sdk_arguments(params), "options": options}

    def _decoder(self) -> AnthropicDecoder:
        return AnthropicDecoder()

    @contextmanager
    def _open_stream(self, request: dict[str, Any]) -> Iterator[_Events]:
        stream = self._sdk_client().messages.create(**request["arguments"])
        with stream:
            yield _Events(stream, request["options"])

    @asynccontextmanager
    async def _aopen_stream(self, request: dict[str, Any]) -> AsyncIterator[_Events]:
        stream = await self._sdk_async_client().messages.create(**request["arguments"])
        async with stream:
            yield _Events(stream, request["options"])

    def _complete(self, request: dict[str, Any]) -> ChatResult:
        return chat_result(self._sdk_client().messages.create(**request["arguments"]))

    async def _acomplete(self, request: dict[str, Any]) -> ChatResult:
        message = await self._sdk_async_client().messages.create(**request["arguments"])
        return chat_result(message)

    # -- SDK clients -----------------------------------------------------------------------
    def _client_options(self) -> dict[str, Any]:
        """The SDK client's settings; its own retries are off (runnel retries, once)."""
        options: dict[str, Any] = {"api_key": self._secret(), "max_retries": 0}
        # As LangChain: ANTHROPIC_API_URL, else the SDK's own ANTHROPIC_BASE_URL.
        if base_url := self.base_url or os.environ.get("ANTHROPIC_API_URL"):
            options["base_url"] = base_url
        if self.timeout is not None:
            options["timeout"] = self.timeout
        if self.default_headers:
            options["default_headers"] = dict(self.default_headers)
        return options

    def _new_async_client(self) -> Any:
        # A plain HTTP client: the SDK's default one closes itself when garbage collected
        # by scheduling a task in whatever loop runs then, which fails for connections of
        # a loop that has ended. `Clients` closes it when its loop shuts down.
        http_client = anthropic.DefaultAsyncHttpxClient()
        return anthropic.AsyncAnthropic(**self._client_options(), http_client=http_client)

    def _sdk_client(self) -> Any:
        return self._clients.sync(lambda: anthropic.Anthropic(**self._client_options()))

    def _sdk_async_client(self) -> Any:
        return self._clients.async_(self._new_async_client)

    def close(self) -> None:
        """Close the sync client's HTTP connections (a later call opens new ones)."""
        self._clients.close()

    async def aclose(self) -> None:
        """Close the HTTP connections of both clients (a later call opens new ones).

        An async client is also closed when its event loop shuts down (``asyncio.run``
        ends); this closes it earlier. One of another event loop is only dropped.
        """
        await self._clients.aclose()


class _Events:
    """The SDK's stream of one call, preceded by the `StreamOptions` its decoder needs.

    The SDK raises a generic status error (with status 200) for an ``event: error``
    mid-stream; it becomes a `ProviderError` naming the error's type.
    """

    __slots__ = ("_options", "_stream")

    def __init__(self, stream: Any, options: StreamOptions) -> None:
        self._stream = stream
        self._options: StreamOptions | None = options

    def __iter__(self) -> _Events:
        return self

    def __aiter__(self) -> _Events:
        return self

    def __next__(self) -> Any:
        if self._options is not None:
            options, self._options = self._options, None
            return options
        try:
            return next(self._stream)
        except anthropic.APIStatusError as error:
            if error.status_code != 200:
                raise
            raise stream_error(error.body) from error

    async def __anext__(self) -> Any:
        if self._options is not None:
            options, self._options = self._options, None
            return options
        try:
            return await self._stream.__anext__()
        except anthropic.APIStatusError as error:
            if error.status_code != 200:
                raise
            raise stream_error(error.body) from error
