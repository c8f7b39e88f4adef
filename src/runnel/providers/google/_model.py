"""What `ChatGoogleGenerativeAI` and `ChatVertexAI` share: fields, requests, streaming."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any

from pydantic import AliasChoices, ConfigDict, Field

from runnel.language_models import LanguageModelInput
from runnel.messages import BaseMessage, message_chunk_to_message
from runnel.outputs import ChatGeneration, ChatResult
from runnel.providers._base import ProviderChatModel
from runnel.providers.google import _client
from runnel.providers.google._messages import to_contents
from runnel.providers.google._pool import ClientOptions
from runnel.providers.google._stream import GeminiDecoder
from runnel.providers.google._tools import format_tools, tool_config, tool_names
from runnel.runnables import Runnable

__all__ = ["GeminiChatModel"]

# Call arguments (``bind``, ``invoke(..., **kwargs)``) that are generation settings.
_SETTINGS = (
    "temperature",
    "top_p",
    "top_k",
    "max_output_tokens",
    "thinking_budget",
    "include_thoughts",
    "thinking_level",
    "response_mime_type",
    "response_schema",
    "safety_settings",
    "cached_content",
)
_CALL_ARGUMENTS = frozenset(
    {
        *_SETTINGS,
        "max_tokens",
        "tools",
        "tool_choice",
        "tool_config",
        "response_format",
        "response_json_schema",
        "generation_config",
    }
)


class GeminiChatModel(ProviderChatModel):
    """A Gemini chat model over google-genai (see `ChatGoogleGenerativeAI`)."""

    model_config = ConfigDict(populate_by_name=True)

    model: str = Field(validation_alias=AliasChoices("model", "model_name"))
    temperature: float | None = None
    max_output_tokens: int | None = Field(
        default=None, validation_alias=AliasChoices("max_output_tokens", "max_tokens")
    )
    top_p: float | None = None
    top_k: int | None = None
    stop: list[str] | None = Field(
        default=None, validation_alias=AliasChoices("stop", "stop_sequences")
    )
    safety_settings: dict[str, str] | list[Any] | None = None
    thinking_budget: int | None = None
    include_thoughts: bool | None = None
    thinking_level: str | None = None
    response_mime_type: str | None = None
    response_schema: dict[str, Any] | None = None
    cached_content: str | None = None
    api_version: str | None = None
    additional_headers: dict[str, str] | None = None

    # -- configuration ----------------------------------------------------------------------
    def _client_options(self) -> ClientOptions:
        """What the `genai.Client` of this model is built from (read at each call)."""
        raise NotImplementedError

    @property
    def _identifying_params(self) -> dict[str, Any]:
        params = {
            "model": self.model,
            "temperature": self.temperature,
            "max_output_tokens": self.max_output_tokens,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "thinking_budget": self.thinking_budget,
            "include_thoughts": self.include_thoughts,
            "thinking_level": self.thinking_level,
        }
        return {key: value for key, value in params.items() if value is not None}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        """LangChain's tracing params for Gemini: the temperature always, max tokens if set."""
        params: dict[str, Any] = {
            "ls_provider": self._provider,
            "ls_model_name": self.model.removeprefix("models/"),
            "ls_model_type": "chat",
            "ls_temperature": kwargs.get("temperature", self.temperature),
        }
        max_tokens = kwargs.get("max_output_tokens", kwargs.get("max_tokens"))
        if max_tokens := max_tokens if max_tokens is not None else self.max_output_tokens:
            params["ls_max_tokens"] = max_tokens
        if stop := stop or self.stop:
            params["ls_stop"] = stop
        return params

    # -- tools and structured output ----------------------------------------------------------
    def bind_tools(
        self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any
    ) -> Runnable[LanguageModelInput, Any]:
        """A copy of the model that may call `tools`, sent as Gemini function declarations.

        Args:
            tools: Functions, pydantic models, TypedDicts, runnel tools, OpenAI / Anthropic
                tool dicts, Gemini ``Tool`` dicts or google-genai ``Tool`` objects.
            tool_choice: ``"auto"``, ``"none"``, ``"any"`` (or ``"required"`` / True), a
                function's name, or a list of names (``toolConfig``'s ``ANY`` mode with
                those names allowed).
            **kwargs: Other call arguments to bind (``strict`` is accepted and ignored:
                Gemini has no strict mode).

        Raises:
            ValueError: a tool cannot be described, or `tool_choice` names an unknown tool.
        """
        kwargs.pop("strict", None)
        formatted = format_tools(tools)
        if tool_choice is not None and tool_choice is not False:
            tool_config(tool_choice, tool_names(formatted))  # fail now on unknown names
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=formatted, **kwargs)

    # -- the provider hooks ---------------------------------------------------------------------
    def _request(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        *,
        stream: bool,
    ) -> dict[str, Any]:
        unknown = sorted(set(kwargs) - _CALL_ARGUMENTS)
        if unknown:
            raise ValueError(
                f"{type(self).__name__} got unsupported call arguments {unknown}; it takes "
                f"{', '.join(sorted(_CALL_ARGUMENTS))}"
            )
        system, contents = to_contents(messages)
        settings = {name: getattr(self, name) for name in _SETTINGS}
        if "max_tokens" in kwargs:
            settings["max_output_tokens"] = kwargs["max_tokens"]
        settings.update({k: kwargs[k] for k in _SETTINGS if k in kwargs})
        config: dict[str, Any] = {
            "automatic_function_calling": {"disable": True},
            **_generation(settings, stop if stop is not None else self.stop),
        }
        config.update(_output_format(settings, kwargs))
        if system is not None:
            config["system_instruction"] = system
        tools = kwargs.get("tools")
        if tools:
            config["tools"] = format_tools(tools)
        if kwargs.get("tool_config") is not None:
            config["tool_config"] = kwargs["tool_config"]
        elif kwargs.get("tool_choice") not in (None, False):
            config["tool_config"] = tool_config(
                kwargs["tool_choice"], tool_names(config.get("tools", []))
            )
        config.update(kwargs.get("generation_config") or {})
        return {"model": self.model, "contents": contents, "config": config}

    def _decoder(self) -> GeminiDecoder:
        return GeminiDecoder(self.model, self._provider)

    def _open_stream(self, request: dict[str, Any]) -> AbstractContextManager[Iterable[Any]]:
        return _client.open_stream(self._client_options(), request, self._provider)

    def _aopen_stream(
        self, request: dict[str, Any]
    ) -> AbstractAsyncContextManager[AsyncIterable[Any]]:
        return _client.aopen_stream(self._client_options(), request, self._provider)

    def _complete(self, request: dict[str, Any]) -> ChatResult | None:
        response = _client.complete(self._client_options(), request, self._provider)
        return self._result(response)

    async def _acomplete(self, request: dict[str, Any]) -> ChatResult | None:
        response = await _client.acomplete(self._client_options(), request, self._provider)
        return self._result(response)

    def _result(self, response: Any) -> ChatResult:
        chunk = self._decoder().whole(response)
        message = message_chunk_to_message(chunk.message)
        return ChatResult(generations=[ChatGeneration(message=message)])


def _generation(settings: dict[str, Any], stop: list[str] | None) -> dict[str, Any]:
    """The generation settings of a request (google-genai's snake_case names)."""
    config: dict[str, Any] = {}
    for name in ("temperature", "top_p", "top_k", "max_output_tokens", "cached_content"):
        if settings[name] is not None:
            config[name] = settings[name]
    if stop:
        config["stop_sequences"] = list(stop)
    thinking = {
        name: settings[name]
        for name in ("thinking_budget", "include_thoughts", "thinking_level")
        if settings[name] is not None
    }
    if thinking:
        config["thinking_config"] = thinking
    safety = settings["safety_settings"]
    if isinstance(safety, dict):
        safety = [{"category": c, "threshold": t} for c, t in safety.items()]
    if safety:
        config["safety_settings"] = safety
    return config


def _output_format(settings: dict[str, Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """``responseMimeType`` and ``responseJsonSchema``, also from OpenAI's ``response_format``.

    Raises:
        ValueError: a schema without ``response_mime_type="application/json"``.
    """
    mime = settings["response_mime_type"]
    schema = kwargs.get("response_json_schema", settings["response_schema"])
    response_format = kwargs.get("response_format")
    if response_format is not None:
        kind = response_format.get("type")
        if kind not in ("json_object", "json_schema"):
            raise ValueError(
                f"response_format type {kind!r} is not supported: use 'json_object' or "
                "'json_schema'"
            )
        mime = "application/json"
        if kind == "json_schema":
            schema = response_format["json_schema"]["schema"]
    if schema is not None and mime is None:
        mime = "application/json"
    if schema is not None and mime != "application/json":
        raise ValueError("a response schema needs response_mime_type='application/json'")
    out: dict[str, Any] = {}
    if mime is not None:
        out["response_mime_type"] = mime
    if schema is not None:
        out["response_json_schema"] = schema
    return out
