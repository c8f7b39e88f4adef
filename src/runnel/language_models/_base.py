"""BaseLanguageModel: what chat models and text LLMs share.

A model subclass implements LangChain's provider hooks (``_generate``, and optionally
``_agenerate``, ``_stream``, ``_astream``); this base turns them into the Runnable hooks:

* ``invoke`` looks in the cache, waits for the rate limiter, then either calls
  ``_generate`` or, when streaming is asked for (``streaming=True`` set on the model,
  ``stream=True`` per call, or an event stream listening), folds ``_stream``;
* ``stream`` yields the provider's chunks, each reported as a token *before* it is
  yielded, with the id ``lc_run--<run id>`` unless the provider set one.

Tokens are reported once: while the base iterates ``_stream`` itself, the ``run_manager``
the model gets does not forward ``on_llm_new_token``; when the base calls ``_generate``,
it does (a model that streams internally still produces token callbacks).

The provider hooks keep LangChain's names, so this class keeps its Runnable stream hooks
under other names (`_lm_stream`, `_lm_astream`: see `Runnable._stream_hook`). Every
private name of runnel's own starts with ``_lm_``; integrations own the rest of the private
namespace (helpers such as ``_chunks`` or ``_create_chat_result`` are theirs).
"""

from __future__ import annotations

import abc
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, TypeAlias, TypeVar

import anyio.to_thread
from pydantic import Field

from runnel._core.run import CallbackManager, Run, start_run, uuid7
from runnel.callbacks.manager import AsyncRunManager, RunManager
from runnel.language_models._cache import BaseCache, get_llm_cache
from runnel.language_models._rate_limiter import BaseRateLimiter
from runnel.runnables._plumbing import current_run
from runnel.runnables._protocol import _listening
from runnel.runnables._serializable import RunnableSerializable
from runnel.runnables._utils import aclosing, aiter_sync, close

if TYPE_CHECKING:
    from runnel.outputs import Generation
    from runnel.runnables._config import RunnableConfig

__all__ = ["BaseLanguageModel", "LanguageModelInput", "LanguageModelLike", "LanguageModelOutput"]

LanguageModelInput: TypeAlias = Any
"""What a model accepts: a string, a prompt value, or a list of message-like values."""

LanguageModelOutput: TypeAlias = Any
"""What a model returns: an `AIMessage` (chat models) or a `str` (text LLMs)."""

LanguageModelLike: TypeAlias = Any
"""A model, or a runnable wrapping one (e.g. from `bind`)."""

Output = TypeVar("Output")
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

# (class, name) -> whether the class defines that attribute (see `_lm_attribute`).
_CLASS_HAS: dict[tuple[type[Any], str], bool] = {}
_LC_ID_PREFIX = "lc_run-"
_CONTROL_KWARGS = ("stop", "stream")


def _fallback(func: F) -> F:
    """Mark a default provider hook: a class that keeps it does not implement that hook."""
    func._runnel_fallback = True  # type: ignore[attr-defined]
    return func


def _is_fallback(func: Any) -> bool:
    return getattr(func, "_runnel_fallback", False)


def _sync_manager(manager: AsyncRunManager | None) -> RunManager | None:
    """The sync run manager for a sync hook called on behalf of an async one."""
    if manager is None:
        return None
    return RunManager(manager._run, manager.config, forward_tokens=manager._forward_tokens)


async def call_sync_hook(
    model: BaseLanguageModel[Any],
    hook: Callable[..., T],
    input: Any,
    stop: list[str] | None,
    run_manager: AsyncRunManager | None,
    kwargs: dict[str, Any],
) -> T:
    """Call a sync provider hook for an async one: in a worker thread, or inline when the
    class declares its sync hooks cheap (`_sync_is_cheap`)."""
    manager = _sync_manager(run_manager)
    if model._sync_is_cheap:
        return hook(input, stop=stop, run_manager=manager, **kwargs)
    return await anyio.to_thread.run_sync(
        lambda: hook(input, stop=stop, run_manager=manager, **kwargs)
    )


async def stream_sync_hook(
    model: BaseLanguageModel[Any],
    input: Any,
    stop: list[str] | None,
    run_manager: AsyncRunManager | None,
    kwargs: dict[str, Any],
) -> AsyncIterator[Any]:
    """Iterate the sync `_stream` for `_astream`: one worker-thread hop per chunk, or
    inline when the class declares its sync hooks cheap (`_sync_is_cheap`)."""
    it = model._stream(input, stop=stop, run_manager=_sync_manager(run_manager), **kwargs)
    if model._sync_is_cheap:
        try:
            for chunk in it:
                yield chunk
        finally:
            close(it)
        return
    async with aclosing(aiter_sync(it)) as chunks:  # type: ignore[type-var]
        async for chunk in chunks:
            yield chunk


class _Call:
    """One call of a model: the converted input, the options and the run it reports to."""

    __slots__ = ("_id", "cache", "config", "input", "key", "kwargs", "run", "stop", "stream")

    def __init__(
        self,
        input: Any,
        stop: list[str] | None,
        stream: bool | None,
        kwargs: dict[str, Any],
        run: Run | None,
        config: RunnableConfig,
    ) -> None:
        self.input = input
        self.stop = stop
        self.stream = stream
        self.kwargs = kwargs
        self.run = run
        self.config = config
        self.cache: BaseCache | None = None
        self.key: tuple[str, str] = ("", "")
        self._id: str | None = None

    def message_id(self) -> str:
        """``lc_run--<run id>``: the id of this call's messages (a fresh uuid if unreported)."""
        if self._id is None:
            run_id = self.run.id if self.run is not None else uuid7()
            self._id = f"{_LC_ID_PREFIX}-{run_id}"
        return self._id


class _ChunkStream(Protocol):
    """Turns the provider's generation chunks of one call into what `stream` yields."""

    def feed(self, chunk: Any) -> tuple[Any, Any]:
        """Take one provider chunk; return (token to report, chunk to yield)."""

    def close(self) -> tuple[Any, Any, Any] | None:
        """After the last chunk: (token, generation chunk, chunk to yield) to add, if any.

        Raises:
            ValueError: the provider produced no chunk.
        """

    def single(self, output: Any) -> tuple[Any, Any, Any]:
        """A whole answer as one chunk: (token, generation chunk, chunk to yield)."""

    def result(self) -> Any:
        """The whole answer the chunks add up to (only when chunks were kept)."""


class BaseLanguageModel(RunnableSerializable[LanguageModelInput, Output]):
    """What chat models and text LLMs share: fields, run reporting, cache and streaming.

    Attributes:
        cache: A `BaseCache` for this model; True to require the global cache
            (`set_llm_cache`), False for none, None (default) for the global one if set.
        callbacks: Handlers for this model's own runs only (not inherited by children).
        tags: Tags added to this model's runs.
        metadata: Metadata added to this model's runs.
        rate_limiter: Waited on once per request to the provider (not on cache hits).
        disable_streaming: True: `stream` yields the whole answer as one chunk;
            ``"tool_calling"``: the same, only for calls given ``tools``.
        streaming: Set to True, `invoke` streams internally so callback handlers get
            `on_llm_new_token` for each token; set to False, `stream` yields one chunk.
            Left unset, neither happens (as in langchain-core).
    """

    cache: BaseCache | bool | None = Field(default=None, exclude=True)
    callbacks: Sequence[Any] | CallbackManager | None = Field(default=None, exclude=True)
    tags: list[str] | None = Field(default=None, exclude=True)
    metadata: dict[str, Any] | None = Field(default=None, exclude=True)
    rate_limiter: BaseRateLimiter | None = Field(default=None, exclude=True)
    disable_streaming: bool | Literal["tool_calling"] = False
    streaming: bool = False

    _stream_hook: ClassVar[str] = "_lm_stream"
    _astream_hook: ClassVar[str] = "_lm_astream"
    # Which provider streaming hooks the class implements (set per subclass).
    _lm_streams_sync: ClassVar[bool] = False
    _lm_streams_async: ClassVar[bool] = False
    _lm_model_type: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._lm_streams_sync = not _is_fallback(cls._stream)
        cls._lm_streams_async = cls._lm_streams_sync or not _is_fallback(cls._astream)
        native = set(cls._native)
        if not cls._lm_streams_sync:
            native.discard("_stream")  # `stream` yields `invoke`'s answer, unreported
        if not cls._lm_streams_async:
            native.discard("_astream")
        cls._native = frozenset(native)

    # -- provider hooks (LangChain's integrator API) -----------------------------------
    @property
    @abc.abstractmethod
    def _llm_type(self) -> str:
        """A short name of the model family, part of the invocation params."""

    @property
    def _identifying_params(self) -> Mapping[str, Any]:
        """The parameters that identify this model (for caching and tracing)."""
        return {}

    # The provider hooks are declared loosely here; each family declares its signature
    # (`BaseChatModel`: messages, `BaseLLM`: prompts) and the defaults.
    @abc.abstractmethod
    def _generate(self, *args: Any, **kwargs: Any) -> Any:
        """Call the provider once and return the whole result."""

    async def _agenerate(self, *args: Any, **kwargs: Any) -> Any:
        """Async twin of `_generate`."""
        raise NotImplementedError

    @_fallback
    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        """Stream the provider's answer in generation chunks (optional)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _stream")

    @_fallback
    def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        """Async twin of `_stream` (optional)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _astream")

    # -- what each family provides -----------------------------------------------------
    def _lm_input(self, input: LanguageModelInput) -> Any:
        """The provider input for a model input (a message list, or a text prompt)."""
        raise NotImplementedError

    def _lm_run_inputs(self, input: Any) -> dict[str, Any]:
        """The run's reported inputs for a converted input."""
        raise NotImplementedError

    def _lm_chunk_stream(self, call: _Call, keep: bool) -> _ChunkStream:
        """The chunk core for one call (`keep`: remember the chunks for `result`)."""
        raise NotImplementedError

    def _lm_whole(self, call: _Call) -> Any:
        """Call `_generate` and return the answer."""
        raise NotImplementedError

    async def _lm_awhole(self, call: _Call) -> Any:
        """Call `_agenerate` and return the answer."""
        raise NotImplementedError

    def _lm_cache_prompt(self, input: Any) -> str:
        """The prompt half of a cache key."""
        raise NotImplementedError

    def _lm_from_generations(self, generations: Sequence[Generation]) -> Any:
        """The answer stored in a cache entry."""
        raise NotImplementedError

    def _lm_to_generations(self, output: Any) -> list[Generation]:
        """The cache entry for an answer."""
        raise NotImplementedError

    @classmethod
    def _lm_provider(cls) -> str:
        """The default ``ls_provider``, from the class name."""
        return cls.__name__.lower()

    # -- parameters ----------------------------------------------------------------------
    def _get_invocation_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """The parameters of one call, as reported to handlers (`invocation_params`)."""
        return {**self._identifying_params, "_type": self._llm_type, "stop": stop, **kwargs}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        """Standard tracing metadata (``ls_provider``, ``ls_model_name``...); override freely.

        The provider defaults to the class name, lowercased; the model name, temperature
        and max tokens are read from the call's kwargs, else from the fields ``model`` /
        ``model_name``, ``temperature`` and ``max_tokens`` when the class has them.
        """
        params: dict[str, Any] = {
            "ls_provider": self._lm_provider(),
            "ls_model_type": self._lm_model_type,
        }
        if stop:
            params["ls_stop"] = stop
        model = kwargs.get("model")
        if not isinstance(model, str):
            model = self._lm_attribute("model")
        if not isinstance(model, str):
            model = self._lm_attribute("model_name")
        if isinstance(model, str):
            params["ls_model_name"] = model
        temperature = kwargs.get("temperature", self._lm_attribute("temperature"))
        if isinstance(temperature, int | float) and not isinstance(temperature, bool):
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self._lm_attribute("max_tokens"))
        if isinstance(max_tokens, int) and not isinstance(max_tokens, bool):
            params["ls_max_tokens"] = max_tokens
        return params

    def _lm_attribute(self, name: str) -> Any:
        """This model's field or attribute `name`, or None (without a failed lookup: slow)."""
        fields = self.__dict__
        if name in fields:
            return fields[name]
        key = (type(self), name)
        known = _CLASS_HAS.get(key)
        if known is None:
            known = _CLASS_HAS[key] = any(name in k.__dict__ for k in type(self).__mro__)
        return getattr(self, name, None) if known else None

    def _get_llm_string(self, stop: list[str] | None = None, **kwargs: Any) -> str:
        """The model half of a cache key: the invocation params, rendered."""
        return str(sorted(self._get_invocation_params(stop=stop, **kwargs).items()))

    # -- run reporting -------------------------------------------------------------------
    def _start(
        self, config: RunnableConfig, input: Any, is_async: bool, kwargs: Mapping[str, Any]
    ) -> Run | None:
        local = self.callbacks
        if isinstance(local, CallbackManager):
            local = local.handlers
        if not local and not _listening(config):
            return None
        stop = kwargs.get("stop")
        params = {k: v for k, v in kwargs.items() if k not in _CONTROL_KWARGS}
        if self.tags:
            tags = list(config.get("tags") or ())
            config = {**config, "tags": [*tags, *(t for t in self.tags if t not in tags)]}
        return start_run(
            config,
            self.get_name(),
            self._run_type,
            self._lm_run_inputs(self._lm_input(input)),
            is_async=is_async,
            local_handlers=list(local) if local else None,
            metadata={**self._get_ls_params(stop=stop, **params), **(self.metadata or {})},
            extra={"invocation_params": self._get_invocation_params(stop=stop, **params)},
        )

    # -- one call ------------------------------------------------------------------------
    def _lm_call(self, input: Any, config: RunnableConfig, kwargs: dict[str, Any]) -> _Call:
        stop = kwargs.pop("stop", None)
        stream = kwargs.pop("stream", None)
        call = _Call(self._lm_input(input), stop, stream, kwargs, current_run(config), config)
        cache = self._lm_cache()
        if cache is not None:
            call.cache = cache
            call.key = (self._lm_cache_prompt(call.input), self._get_llm_string(stop, **kwargs))
        return call

    def _lm_cache(self) -> BaseCache | None:
        if isinstance(self.cache, BaseCache):
            return self.cache
        if self.cache is False:
            return None
        cache = get_llm_cache()
        if cache is None and self.cache is True:
            raise ValueError(
                f"{self.get_name()} has cache=True but no global cache is set: call "
                "set_llm_cache(InMemoryCache()) first, or pass cache=InMemoryCache()"
            )
        return cache

    def _lm_streaming_disabled(self, call: _Call) -> bool:
        """True when this call must not stream (overrides every reason to stream)."""
        if self.disable_streaming is True:
            return True
        if self.disable_streaming == "tool_calling" and call.kwargs.get("tools"):
            return True
        if call.stream is not None and not call.stream:
            return True
        return "streaming" in self.model_fields_set and getattr(self, "streaming", None) is False

    def _lm_should_stream(self, call: _Call, *, async_api: bool) -> bool:
        """True when `invoke` should go through the provider's stream."""
        if not (self._lm_streams_async if async_api else self._lm_streams_sync):
            return False
        if self._lm_streaming_disabled(call):
            return False
        if call.stream:
            return True
        if "streaming" in self.model_fields_set and getattr(self, "streaming", None) is True:
            return True
        return call.run is not None and call.run.streams_tokens

    def _lm_chunks(self, call: _Call, core: _ChunkStream) -> Iterator[Any]:
        """The provider's stream for `call`: each chunk reported as a token, then yielded."""
        run = call.run
        manager = RunManager(run, call.config, forward_tokens=False)
        it = self._stream(call.input, stop=call.stop, run_manager=manager, **call.kwargs)
        try:
            for chunk in it:
                token, out = core.feed(chunk)
                if run is not None:
                    run.token(token, chunk)
                yield out
        finally:
            close(it)
        tail = core.close()
        if tail is not None:
            token, chunk, out = tail
            if run is not None:
                run.token(token, chunk)
            yield out

    async def _lm_achunks(self, call: _Call, core: _ChunkStream) -> AsyncGenerator[Any, None]:
        """Async twin of `_lm_chunks` (async handlers are awaited by the caller's drain)."""
        run = call.run
        manager = AsyncRunManager(run, call.config, forward_tokens=False)
        it = self._astream(call.input, stop=call.stop, run_manager=manager, **call.kwargs)
        async with aclosing(it):  # type: ignore[type-var]
            async for chunk in it:
                token, out = core.feed(chunk)
                if run is not None:
                    run.token(token, chunk)
                yield out
        tail = core.close()
        if tail is not None:
            token, chunk, out = tail
            if run is not None:
                run.token(token, chunk)
            yield out

    # -- Runnable hooks ------------------------------------------------------------------
    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        call = self._lm_call(input, config, kwargs)
        if call.cache is not None:
            cached = call.cache.lookup(*call.key)
            if cached:
                return self._lm_from_generations(cached)
        if self.rate_limiter is not None:
            self.rate_limiter.acquire(blocking=True)
        if self._lm_should_stream(call, async_api=False):
            core = self._lm_chunk_stream(call, keep=True)
            run = call.run
            for out in self._lm_chunks(call, core):
                if run is not None:
                    run.chunk(out)
            output = core.result()
        else:
            output = self._lm_whole(call)
        if call.cache is not None:
            call.cache.update(*call.key, self._lm_to_generations(output))
        return output

    async def _ainvoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        call = self._lm_call(input, config, kwargs)
        if call.cache is not None:
            cached = await call.cache.alookup(*call.key)
            if cached:
                return self._lm_from_generations(cached)
        if self.rate_limiter is not None:
            await self.rate_limiter.aacquire(blocking=True)
        if self._lm_should_stream(call, async_api=True):
            core = self._lm_chunk_stream(call, keep=True)
            run = call.run
            async with aclosing(self._lm_achunks(call, core)) as chunks:
                async for out in chunks:
                    if run is not None:
                        run.chunk(out)
                        if run.pending:
                            await run.adrain()
            output = core.result()
        else:
            output = await self._lm_awhole(call)
        if call.cache is not None:
            await call.cache.aupdate(*call.key, self._lm_to_generations(output))
        return output

    def _lm_stream(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Iterator[Any]:
        """The Runnable stream hook (see `Runnable._stream_hook`)."""
        call = self._lm_call(input, config, kwargs)
        core = self._lm_chunk_stream(call, keep=call.cache is not None)
        if call.cache is not None:
            cached = call.cache.lookup(*call.key)
            if cached:
                yield self._lm_single(call, core, self._lm_from_generations(cached))
                return
        if self.rate_limiter is not None:
            self.rate_limiter.acquire(blocking=True)
        if self._lm_streaming_disabled(call):
            output = self._lm_whole(call)
            if call.cache is not None:
                call.cache.update(*call.key, self._lm_to_generations(output))
            yield output
            return
        yield from self._lm_chunks(call, core)
        if call.cache is not None:
            call.cache.update(*call.key, self._lm_to_generations(core.result()))

    async def _lm_astream(
        self, input: Any, config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[Any]:
        """The Runnable async stream hook (see `Runnable._astream_hook`)."""
        call = self._lm_call(input, config, kwargs)
        core = self._lm_chunk_stream(call, keep=call.cache is not None)
        if call.cache is not None:
            cached = await call.cache.alookup(*call.key)
            if cached:
                yield self._lm_single(call, core, self._lm_from_generations(cached))
                return
        if self.rate_limiter is not None:
            await self.rate_limiter.aacquire(blocking=True)
        if self._lm_streaming_disabled(call):
            output = await self._lm_awhole(call)
            if call.cache is not None:
                await call.cache.aupdate(*call.key, self._lm_to_generations(output))
            yield output
            return
        async with aclosing(self._lm_achunks(call, core)) as chunks:
            async for out in chunks:
                yield out
        if call.cache is not None:
            await call.cache.aupdate(*call.key, self._lm_to_generations(core.result()))

    def _lm_single(self, call: _Call, core: _ChunkStream, output: Any) -> Any:
        """A whole (cached) answer as the one chunk of a stream, reported as a token."""
        token, chunk, out = core.single(output)
        if call.run is not None:
            call.run.token(token, chunk)
        return out
