"""`OpenAI`: text completion models (``gpt-3.5-turbo-instruct``) through the Completions API."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any, ClassVar

from pydantic import AliasChoices, ConfigDict, Field, SecretStr, model_validator

from runnel.providers._base import ProviderLLM
from runnel.providers.openai._chat import collect_model_kwargs
from runnel.providers.openai._sdk import (
    aopen_lines,
    base_url_from,
    client_classes,
    client_options,
    open_lines,
    sdk_arguments,
    shared_client,
)
from runnel.providers.openai._stream import CompletionDecoder

__all__ = ["OpenAI"]

_REQUIRED = ("prompt",)


class OpenAI(ProviderLLM):
    """OpenAI text completion models (a prompt string in, text out), streamed token by token.

    The key is read from ``OPENAI_API_KEY`` unless given. Streamed calls ask for token usage
    (``stream_options.include_usage``): it arrives as a last, empty chunk whose
    ``generation_info["token_usage"]`` holds the counts. Field names and defaults are
    LangChain's (aliases accepted: ``model_name``, ``openai_api_key``, ``openai_api_base``...).

    Attributes:
        model: The model name, e.g. ``"gpt-3.5-turbo-instruct"``.
        temperature: Sampling temperature.
        max_tokens: The most tokens to generate.
        top_p: Nucleus sampling mass.
        frequency_penalty: Penalty on tokens by how often they appeared.
        presence_penalty: Penalty on tokens that appeared at all.
        n: Completions per prompt (only the first is returned).
        best_of: Completions generated server-side to choose the best from.
        seed: Seed for (best-effort) deterministic sampling.
        logprobs: How many log probabilities to return per token.
        logit_bias: Token id -> bias.
        stream_usage: Ask for token usage when streaming (default True).
        model_kwargs: More request fields, sent with every request.
    """

    model_config = ConfigDict(populate_by_name=True)

    _provider: ClassVar[str] = "openai"
    _key_variable: ClassVar[str | None] = "OPENAI_API_KEY"
    _base_url_variable: ClassVar[str | None] = "OPENAI_API_BASE"

    model: str = Field(
        default="gpt-3.5-turbo-instruct", validation_alias=AliasChoices("model", "model_name")
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
    temperature: float | None = 0.7
    max_tokens: int | None = 256
    top_p: float | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    n: int | None = None
    best_of: int | None = None
    seed: int | None = None
    logprobs: int | None = None
    logit_bias: dict[str, float] | None = None
    stream_usage: bool = True
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    default_headers: dict[str, str] | None = None
    default_query: dict[str, Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _collect_model_kwargs(cls, data: Any) -> Any:
        return collect_model_kwargs(cls, data)

    @property
    def model_name(self) -> str:
        """The model name (LangChain's name for `model`)."""
        return self.model

    @property
    def _llm_type(self) -> str:
        return "openai"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model, **self._default_params()}

    def _default_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for name in (
            "temperature",
            "max_tokens",
            "top_p",
            "frequency_penalty",
            "presence_penalty",
            "n",
            "best_of",
            "seed",
            "logprobs",
            "logit_bias",
        ):
            if (value := getattr(self, name)) is not None:
                params[name] = value
        return params

    # -- the provider hooks ----------------------------------------------------------------
    def _request(
        self, prompt: str, stop: list[str] | None, kwargs: dict[str, Any], *, stream: bool
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self._request_model(),
            "prompt": prompt,
            **self._default_params(),
            **self.model_kwargs,
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
        return body

    def _request_model(self) -> str | None:
        return self.model

    def _decoder(self) -> CompletionDecoder:
        return CompletionDecoder(self._provider)

    def _open_stream(self, request: dict[str, Any]) -> AbstractContextManager[Iterable[Any]]:
        resource = self._client(False).completions
        return open_lines(resource, sdk_arguments(request, _REQUIRED))

    def _aopen_stream(
        self, request: dict[str, Any]
    ) -> AbstractAsyncContextManager[AsyncIterable[Any]]:
        resource = self._client(True).completions
        return aopen_lines(resource, sdk_arguments(request, _REQUIRED))

    # -- SDK clients -----------------------------------------------------------------------
    def _client_options(self) -> dict[str, Any]:
        return client_options(self, base_url_from(self.base_url, self._base_url_variable, None))

    def _client(self, is_async: bool) -> Any:
        """The (shared) SDK client for this model's settings."""
        return shared_client(client_classes(is_async)[0], self._client_options())
