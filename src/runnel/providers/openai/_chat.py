"""`ChatOpenAI`: OpenAI's Chat Completions API, and the base of the OpenAI-compatible models."""

from __future__ import annotations

import re
import warnings
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any, ClassVar

from pydantic import AliasChoices, ConfigDict, Field, SecretStr, model_validator

from runnel.language_models._structured import StructuredOutputMethod
from runnel.messages import BaseMessage
from runnel.outputs import ChatResult
from runnel.providers._base import ProviderChatModel
from runnel.providers.openai._request import format_messages, format_tool_choice, format_tools
from runnel.providers.openai._response import chat_result
from runnel.providers.openai._sdk import (
    acomplete,
    aopen_lines,
    base_url_from,
    client_classes,
    client_options,
    complete,
    open_lines,
    sdk_arguments,
    shared_client,
)
from runnel.providers.openai._stream import ChatDecoder
from runnel.runnables import Runnable

__all__ = ["ChatOpenAI", "collect_model_kwargs"]

_REQUIRED = ("messages",)
_O_SERIES = re.compile(r"^o\d")


def collect_model_kwargs(cls: type[Any], data: Any) -> Any:
    """Move constructor arguments that are not fields into ``model_kwargs``, with a warning
    (LangChain's behaviour: they are sent with every request)."""
    if not isinstance(data, dict):
        return data
    known: set[str] = set()
    for name, info in cls.model_fields.items():
        known.add(name)
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            known.update(choice for choice in alias.choices if isinstance(choice, str))
        elif isinstance(alias, str):
            known.add(alias)
    extra = {key: data[key] for key in data if key not in known}
    if not extra:
        return data
    warnings.warn(
        f"{', '.join(sorted(extra))}: not {cls.__name__} parameters; sent with every request "
        "(pass them in model_kwargs to silence this warning)",
        UserWarning,
        stacklevel=4,
    )
    rest = {key: value for key, value in data.items() if key not in extra}
    rest["model_kwargs"] = {**extra, **(data.get("model_kwargs") or {})}
    return rest


class ChatOpenAI(ProviderChatModel):
    """OpenAI chat models through the Chat Completions API, streamed token by token.

    The key is read from ``OPENAI_API_KEY`` unless given. Streamed calls always ask for
    token usage (``stream_options.include_usage``), with a custom `base_url` too, so the
    last chunk carries ``usage_metadata``; set `stream_usage` to False for a server that
    rejects ``stream_options``. `base_url` points the model at any OpenAI-compatible server
    (vLLM, LM Studio, Ollama's ``/v1``...). Field names are LangChain's, and its aliases
    are accepted (``model_name``, ``openai_api_key``, ``openai_api_base``,
    ``max_completion_tokens``, ``request_timeout``, ``stop_sequences``...).

    Attributes:
        model: The model name, e.g. ``"gpt-4o-mini"``.
        temperature: Sampling temperature (0 to 2).
        max_tokens: The most tokens to generate (sent as ``max_completion_tokens``).
        top_p: Nucleus sampling mass.
        frequency_penalty: Penalty on tokens by how often they appeared.
        presence_penalty: Penalty on tokens that appeared at all.
        seed: Seed for (best-effort) deterministic sampling.
        n: Number of choices to generate (only the first is returned).
        logprobs: Return log probabilities (in ``response_metadata["logprobs"]``).
        top_logprobs: How many likeliest tokens to return per position.
        logit_bias: Token id -> bias.
        stop: Stop sequences (a call's ``stop`` replaces them).
        reasoning_effort: For reasoning models: ``"low"``, ``"medium"``, ``"high"``...
        service_tier: The processing tier to ask for.
        organization: The OpenAI organization id.
        stream_usage: Ask for token usage when streaming (default True).
        model_kwargs: More request fields, sent with every request.
        extra_body: More request fields, merged into the JSON body.
        default_headers: Headers sent with every request.
        default_query: Query parameters sent with every request.
    """

    model_config = ConfigDict(populate_by_name=True)

    _provider: ClassVar[str] = "openai"
    _key_variable: ClassVar[str | None] = "OPENAI_API_KEY"
    #: where the base URL is read from when not given (before the provider's default)
    _base_url_variable: ClassVar[str | None] = "OPENAI_API_BASE"
    _default_base_url: ClassVar[str | None] = None
    _model_provider: ClassVar[str] = "openai"
    _max_tokens_param: ClassVar[str] = "max_completion_tokens"
    _default_structured_method: ClassVar[StructuredOutputMethod] = "json_schema"
    _developer_role: ClassVar[bool] = True

    model: str = Field(
        default="gpt-3.5-turbo", validation_alias=AliasChoices("model", "model_name")
    )
    api_key: SecretStr | None = Field(
        default=None, repr=False, validation_alias=AliasChoices("api_key", "openai_api_key")
    )
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "openai_api_base")
    )
    timeout: float | None = Field(
        default=None, validation_alias=AliasChoices("timeout", "request_timeout")
    )
    organization: str | None = Field(
        default=None, validation_alias=AliasChoices("organization", "openai_organization")
    )
    temperature: float | None = None
    max_tokens: int | None = Field(
        default=None, validation_alias=AliasChoices("max_tokens", "max_completion_tokens")
    )
    top_p: float | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    seed: int | None = None
    n: int | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    logit_bias: dict[int, int] | None = None
    stop: list[str] | str | None = Field(
        default=None, validation_alias=AliasChoices("stop", "stop_sequences")
    )
    reasoning_effort: str | None = None
    service_tier: str | None = None
    stream_usage: bool = True
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    extra_body: dict[str, Any] | None = None
    default_headers: dict[str, str] | None = None
    default_query: dict[str, Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _collect_model_kwargs(cls, data: Any) -> Any:
        return collect_model_kwargs(cls, data)

    # -- LangChain's names -----------------------------------------------------------------
    @property
    def model_name(self) -> str:
        """The model name (LangChain's name for `model`)."""
        return self.model

    @property
    def _llm_type(self) -> str:
        return "openai-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model, **self._default_params()}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        params = super()._get_ls_params(stop=stop, **kwargs)
        if "ls_stop" not in params and self.stop:
            params["ls_stop"] = [self.stop] if isinstance(self.stop, str) else list(self.stop)
        return params

    # -- tools and structured output -------------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[Mapping[str, Any] | type | Any],
        *,
        tool_choice: str | Mapping[str, Any] | bool | None = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[Any, Any]:
        """A copy of the model that may call `tools`, sent as OpenAI function tools.

        Args:
            tools: Runnel tools, pydantic models, TypedDicts, functions or dicts (see
                `convert_to_openai_tool`).
            tool_choice: A tool's name (that tool must be called), ``"auto"``, ``"none"``,
                ``"required"`` / ``"any"`` / True (some tool must be), or OpenAI's dict.
            strict: The tools' ``strict`` flag (exact schema adherence).
            parallel_tool_calls: False to have at most one tool called per answer.
            **kwargs: More request fields for every call.

        Raises:
            ValueError: a tool or the tool choice cannot be converted.
        """
        formatted = format_tools(tools, strict=strict)
        if tool_choice is not None and tool_choice is not False:
            kwargs["tool_choice"] = format_tool_choice(tool_choice, formatted)
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return self.bind(tools=formatted, **kwargs)

    # -- the provider hooks ----------------------------------------------------------------
    def _default_params(self) -> dict[str, Any]:
        """The request fields set on the model (unset ones are left to the provider)."""
        params: dict[str, Any] = {}
        for name in (
            "temperature",
            "top_p",
            "frequency_penalty",
            "presence_penalty",
            "seed",
            "n",
            "logprobs",
            "top_logprobs",
            "logit_bias",
            "reasoning_effort",
            "service_tier",
        ):
            if (value := getattr(self, name)) is not None:
                params[name] = value
        if self.max_tokens is not None:
            params[self._max_tokens_param] = self.max_tokens
        if self.stop:
            params["stop"] = self.stop
        return params

    def _request(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        *,
        stream: bool,
    ) -> dict[str, Any]:
        developer = self._developer_role and _O_SERIES.match(self.model or "") is not None
        body: dict[str, Any] = {
            "model": self._request_model(),
            "messages": format_messages(messages, developer=developer),
            **self._default_params(),
            **self.model_kwargs,
            **(self.extra_body or {}),
        }
        options = dict(kwargs)
        stream_usage = options.pop("stream_usage", self.stream_usage)
        body.update(options.pop("extra_body", None) or {})
        body.update(options)
        if stop is not None:
            body["stop"] = stop
        body["stream"] = stream
        if stream and stream_usage:
            body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        elif not stream:
            body.pop("stream_options", None)
        return body

    def _request_model(self) -> str | None:
        return self.model

    def _decoder(self) -> ChatDecoder:
        return ChatDecoder(self._provider, self._model_provider)

    def _open_stream(self, request: dict[str, Any]) -> AbstractContextManager[Iterable[Any]]:
        resource = self._client(False).chat.completions
        return open_lines(resource, sdk_arguments(request, _REQUIRED))

    def _aopen_stream(
        self, request: dict[str, Any]
    ) -> AbstractAsyncContextManager[AsyncIterable[Any]]:
        resource = self._client(True).chat.completions
        return aopen_lines(resource, sdk_arguments(request, _REQUIRED))

    def _complete(self, request: dict[str, Any]) -> ChatResult:
        data = complete(self._client(False).chat.completions, sdk_arguments(request, _REQUIRED))
        return chat_result(data, provider=self._provider, model_provider=self._model_provider)

    async def _acomplete(self, request: dict[str, Any]) -> ChatResult:
        resource = self._client(True).chat.completions
        data = await acomplete(resource, sdk_arguments(request, _REQUIRED))
        return chat_result(data, provider=self._provider, model_provider=self._model_provider)

    # -- SDK clients -----------------------------------------------------------------------
    def _client_options(self) -> dict[str, Any]:
        base_url = base_url_from(self.base_url, self._base_url_variable, self._default_base_url)
        return client_options(self, base_url)

    def _client(self, is_async: bool) -> Any:
        """The (shared) SDK client for this model's settings."""
        return shared_client(client_classes(is_async)[0], self._client_options())
