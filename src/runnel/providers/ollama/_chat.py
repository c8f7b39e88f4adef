"""`ChatOllama`: local models served by Ollama, through its native ``/api/chat``."""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, PrivateAttr

from runnel.language_models import LanguageModelInput
from runnel.language_models._structured import StructuredOutputMethod
from runnel.messages import BaseMessage, message_chunk_to_message
from runnel.outputs import ChatGeneration, ChatResult
from runnel.providers._base import ProviderChatModel
from runnel.providers._keys import import_sdk
from runnel.providers._loops import Clients
from runnel.providers._tls import ssl_context
from runnel.providers.ollama._request import ollama_format, ollama_messages
from runnel.providers.ollama._stream import OllamaStream
from runnel.runnables import Runnable
from runnel.utils.function_calling import convert_to_openai_tool

__all__ = ["ChatOllama", "OllamaResponseError"]

_httpx: Any = import_sdk("httpx", extra="ollama")

_DEFAULT_PORT = 11434
#: Model options Ollama reads from ``options`` (fields of the same name, or call kwargs).
_OPTIONS = (
    "mirostat",
    "mirostat_eta",
    "mirostat_tau",
    "num_ctx",
    "num_gpu",
    "num_thread",
    "num_predict",
    "repeat_last_n",
    "repeat_penalty",
    "temperature",
    "seed",
    "tfs_z",
    "top_k",
    "top_p",
)


class OllamaResponseError(Exception):
    """Ollama answered with an HTTP error (turned into `ProviderError` by the base).

    Attributes:
        status_code: The HTTP status.
        body: The JSON body (``{"error": "..."}``), or the text as ``{"error": text}``.
        response: The `httpx.Response` (its headers carry ``retry-after`` if any).
    """

    def __init__(self, response: Any) -> None:
        try:
            body = response.json()
        except ValueError:
            body = {"error": response.text or response.reason_phrase}
        super().__init__(f"HTTP {response.status_code}: {body}")
        self.status_code: int = response.status_code
        self.body: Any = body
        self.response = response


class ChatOllama(ProviderChatModel):
    """A chat model served by Ollama (local models), streamed token by token.

    Talks to Ollama's native ``/api/chat`` (NDJSON) with ``httpx``. ``base_url`` defaults
    to the ``OLLAMA_HOST`` environment variable, else ``http://localhost:11434``. No key is
    needed; an ``api_key`` given is sent as a bearer token (for servers behind a proxy).
    The model keeps its HTTP connections open for reuse; `close` / `aclose` release them.

    Example:
        ```python
        from runnel.providers.ollama import ChatOllama

        model = ChatOllama(model="llama3.2", temperature=0)
        for chunk in model.stream("what color is the sky?"):
            print(chunk.content, end="|")
        ```

    Attributes:
        model: The model name, e.g. ``"llama3.2"`` (alias ``model_name``).
        temperature: Sampling temperature.
        num_predict: The most tokens to generate (reported as ``ls_max_tokens``).
        num_ctx: The context window size.
        top_k: Top-k sampling.
        top_p: Nucleus sampling.
        seed: Seed for reproducible sampling.
        stop: Default stop sequences.
        format: ``"json"`` or a JSON schema the answer must follow.
        keep_alive: How long the model stays loaded (seconds, or ``"5m"``...).
        reasoning: Ask reasoning models to think (``think``): True/False or an effort
            (``"low"``, ``"medium"``, ``"high"``); the thinking is in
            ``additional_kwargs["reasoning_content"]``.
        client_kwargs: More arguments for the ``httpx`` clients (e.g. ``headers``).
    """

    _provider: ClassVar[str] = "ollama"
    _key_variable: ClassVar[str | None] = None
    # the schema is sent as ``format``: the answer's text is the JSON, streamed as it grows
    _default_structured_method: ClassVar[StructuredOutputMethod] = "json_schema"

    model: str = Field(validation_alias=AliasChoices("model", "model_name"))
    temperature: float | None = None
    num_predict: int | None = None
    num_ctx: int | None = None
    top_k: int | None = None
    top_p: float | None = None
    seed: int | None = None
    stop: list[str] | None = None
    repeat_penalty: float | None = None
    repeat_last_n: int | None = None
    mirostat: int | None = None
    mirostat_eta: float | None = None
    mirostat_tau: float | None = None
    num_gpu: int | None = None
    num_thread: int | None = None
    tfs_z: float | None = None
    format: Literal["", "json"] | dict[str, Any] | None = None
    keep_alive: int | str | None = None
    reasoning: bool | str | None = None
    client_kwargs: dict[str, Any] = Field(default_factory=dict)

    _clients: Clients[Any, Any] = PrivateAttr(
        default_factory=lambda: Clients(lambda c: c.close(), lambda c: c.aclose())
    )

    @property
    def _llm_type(self) -> str:
        return "chat-ollama"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.model, **self._options()}
        if self.format:
            params["format"] = self.format
        if self.keep_alive is not None:
            params["keep_alive"] = self.keep_alive
        return params

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        params = super()._get_ls_params(stop=stop, **kwargs)
        num_predict = kwargs.get("num_predict", self.num_predict)
        if isinstance(num_predict, int) and not isinstance(num_predict, bool) and num_predict > 0:
            params["ls_max_tokens"] = num_predict
        return params

    # -- tools and structured output -------------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, BaseMessage]:
        """A copy of the model that may call `tools` (OpenAI-shaped tool definitions).

        Args:
            tools: Tools, pydantic models, TypedDicts, functions or tool dicts.
            tool_choice: Accepted and ignored: Ollama cannot be told to call a tool.
            **kwargs: More request parameters to bind (``strict`` is ignored too).
        """
        kwargs.pop("strict", None)
        return self.bind(tools=[convert_to_openai_tool(tool) for tool in tools], **kwargs)

    # -- the provider hooks ----------------------------------------------------------------
    def _options(self) -> dict[str, Any]:
        return {name: value for name in _OPTIONS if (value := getattr(self, name)) is not None}

    def _request(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        *,
        stream: bool,
    ) -> dict[str, Any]:
        params = dict(kwargs)
        options = self._options()
        if "max_tokens" in params:
            options["num_predict"] = params.pop("max_tokens")
        options.update({name: params.pop(name) for name in _OPTIONS if name in params})
        options.update(params.pop("options", None) or {})
        stop = stop or self.stop
        if stop:
            options["stop"] = stop
        response_format = params.pop("response_format", None)
        output_format = params.pop("format", self.format)
        if not output_format and response_format is not None:
            output_format = ollama_format(response_format)
        params.pop("tool_choice", None)
        params.pop("strict", None)
        request: dict[str, Any] = {
            "model": params.pop("model", self.model),
            "messages": ollama_messages(messages),
            "stream": stream,
        }
        if options:
            request["options"] = options
        if output_format:
            request["format"] = output_format
        keep_alive = params.pop("keep_alive", self.keep_alive)
        if keep_alive is not None:
            request["keep_alive"] = keep_alive
        think = params.pop("reasoning", self.reasoning)
        if think is not None:
            request["think"] = think
        request.update(params)
        return request

    def _decoder(self) -> OllamaStream:
        return OllamaStream()

    def _client_options(self) -> dict[str, Any]:
        headers = {"Accept": "application/json", "User-Agent": "runnel"}
        if (key := self._secret()) is not None:
            headers["Authorization"] = f"Bearer {key}"
        options: dict[str, Any] = {
            "base_url": ollama_host(self.base_url),
            "timeout": self.timeout,
            "verify": ssl_context(_httpx),
        }
        options.update(self.client_kwargs)
        options["headers"] = {**headers, **dict(self.client_kwargs.get("headers") or {})}
        return options

    def _sync(self) -> Any:
        return self._clients.sync(lambda: _httpx.Client(**self._client_options()))

    def _async(self) -> Any:
        return self._clients.async_(lambda: _httpx.AsyncClient(**self._client_options()))

    def close(self) -> None:
        """Close the HTTP connections of the sync client (reopened if the model is used)."""
        self._clients.close()

    async def aclose(self) -> None:
        """Close the HTTP connections of the sync client and of the running event loop's
        async client (an async client is also closed when its event loop shuts down)."""
        await self._clients.aclose()

    @contextmanager
    def _open_stream(self, request: dict[str, Any]) -> Iterator[Iterable[Any]]:
        with self._sync().stream("POST", "/api/chat", json=request) as response:
            if response.is_error:
                response.read()
                raise OllamaResponseError(response)
            yield response.iter_lines()

    @asynccontextmanager
    async def _aopen_stream(self, request: dict[str, Any]) -> AsyncIterator[AsyncIterable[Any]]:
        async with self._async().stream("POST", "/api/chat", json=request) as response:
            if response.is_error:
                await response.aread()
                raise OllamaResponseError(response)
            yield response.aiter_lines()

    def _complete(self, request: dict[str, Any]) -> ChatResult:
        response = self._sync().post("/api/chat", json=request)
        if response.is_error:
            raise OllamaResponseError(response)
        return _result(response.json())

    async def _acomplete(self, request: dict[str, Any]) -> ChatResult:
        response = await self._async().post("/api/chat", json=request)
        if response.is_error:
            raise OllamaResponseError(response)
        return _result(response.json())


def _result(answer: Any) -> ChatResult:
    chunk = OllamaStream().feed(answer)
    if chunk is None:
        raise ValueError(f"Ollama's answer carried no message: {answer!r}")
    message = message_chunk_to_message(chunk.message)
    return ChatResult(generations=[ChatGeneration(message=message)])


def ollama_host(base_url: str | None = None) -> str:
    """The Ollama server's URL: `base_url`, else ``OLLAMA_HOST``, else the local default.

    As Ollama's own client reads ``OLLAMA_HOST``: the scheme defaults to ``http`` and the
    port to 11434 (``"0.0.0.0"`` -> ``"http://0.0.0.0:11434"``).
    """
    host = (base_url or os.environ.get("OLLAMA_HOST") or "").strip().rstrip("/")
    if not host:
        return f"http://localhost:{_DEFAULT_PORT}"
    if "://" not in host:
        host = f"http://{host}"
    parts = urlsplit(host)
    if parts.port is None and parts.scheme == "http":
        host = parts._replace(netloc=f"{parts.netloc}:{_DEFAULT_PORT}").geturl()
    return host
