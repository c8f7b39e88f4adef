"""Runnable: the interface every step implements, everything derived from a few hooks.

An implementation provides any of six private hooks; the public methods derive the
rest and report runs (only when someone listens):

    _invoke(input, config)       whole input -> whole output
    _stream(input, config)       whole input -> output chunks (models, generator lambdas)
    _transform(chunks, config)   input chunks -> output chunks (parsers, sequences)
    _ainvoke / _astream / _atransform     the async twins

`invoke` prefers `_invoke`, else folds a stream. `stream` prefers `_transform`, then
`_stream`, else yields `invoke`'s result as one chunk. `transform` uses `_transform`,
else folds its input with `+` (a streaming barrier) and streams that. The async
methods use async hooks natively; sync hooks run inline when the class declares them
cheap (`_sync_is_cheap`), else in a worker thread. A class may keep its stream hooks
under other names (`_stream_hook`, `_astream_hook`); language models do.

A subclass written LangChain-style, overriding the public `invoke` (and maybe
`ainvoke`/`stream`), gets the other methods from it the same way.
"""

from __future__ import annotations

from collections.abc import (
    AsyncIterator,
    Callable,
    Iterator,
    Mapping,
    Sequence,
)
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, cast, overload

import anyio
import anyio.lowlevel
import anyio.to_thread

from runnel._core.fold import Accumulator
from runnel._core.run import DEFERRED, CallbackManager, Run, child_config, start_run
from runnel.runnables._config import (
    RunnableConfig,
    ensure_config,
    get_config_list,
    merge_configs,
)
from runnel.runnables._plumbing import (
    END,
    adrain_shielded,
    aiter_inline,
    arecorded,
    recorded,
    run_bounded,
    sync_transform_in_thread,
)
from runnel.runnables._utils import aclosing, aiter_of, aiter_sync, close

if TYPE_CHECKING:
    from pydantic import BaseModel

    from runnel.runnables._binding import RunnableBinding
    from runnel.runnables._fallbacks import RunnableWithFallbacks
    from runnel.runnables._retry import RunnableRetry
    from runnel.runnables._sequence import RunnableSequence
    from runnel.tracers.log_stream import RunLogPatch

__all__ = ["Input", "Output", "Runnable", "RunnableLike", "coerce_to_runnable"]

Input = TypeVar("Input", contravariant=True)
Output = TypeVar("Output", covariant=True)
Other = TypeVar("Other")
T = TypeVar("T")

_HOOKS = ("_invoke", "_stream", "_transform", "_ainvoke", "_astream", "_atransform")


def _listening(config: RunnableConfig) -> bool:
    callbacks = config.get("callbacks")
    if callbacks is None:
        return False
    if isinstance(callbacks, CallbackManager):
        return bool(callbacks.handlers)
    return bool(callbacks)


class Runnable(Generic[Input, Output]):
    """A unit of work that can be invoked, batched, streamed and composed with `|`."""

    if TYPE_CHECKING:
        name: str | None
    # How runs of this class are reported: chain, prompt, parser, chat_model, llm, ...
    _run_type: ClassVar[str] = "chain"
    # True when the sync hooks never block (pure computation): async paths call them
    # inline instead of in a worker thread.
    _sync_is_cheap: ClassVar[bool] = False
    # Default bound on concurrent calls in batch/abatch when the config sets none
    # (fakes that answer in order set 1).
    _batch_concurrency: ClassVar[int | None] = None
    _native: ClassVar[frozenset[str]] = frozenset()
    # The attribute names of the whole-input stream hooks. Language models move them
    # elsewhere: LangChain's model API already uses `_stream`/`_astream` for the
    # provider's own hooks, with another signature.
    _stream_hook: ClassVar[str] = "_stream"
    _astream_hook: ClassVar[str] = "_astream"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        where = {"_stream": cls._stream_hook, "_astream": cls._astream_hook}
        cls._native = frozenset(
            h for h in _HOOKS if getattr(cls, where.get(h, h)) is not getattr(Runnable, h)
        )

    # -- hooks (implementations override some of these) ------------------------------
    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        raise NotImplementedError

    async def _ainvoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        raise NotImplementedError

    # `_stream(input, config, **kwargs)` and `_astream` (same arguments) are typed loosely:
    # language models define methods of these names with LangChain's provider signature.
    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        raise NotImplementedError

    def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        raise NotImplementedError

    def _transform(
        self, chunks: Iterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> Iterator[Any]:
        raise NotImplementedError

    def _atransform(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[Any]:
        raise NotImplementedError

    def _start(
        self, config: RunnableConfig, input: Any, is_async: bool, kwargs: Mapping[str, Any]
    ) -> Run | None:
        """Start this runnable's run (None when nobody listens). Models add metadata."""
        return start_run(config, self.get_name(), self._run_type, input, is_async=is_async)

    def _run_output(self, output: Any) -> Any:
        """What listeners receive as this run's output (models wrap it in an LLMResult)."""
        return output

    # -- naming and schemas ----------------------------------------------------------
    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        """The runnable's name: `name`, else its `name` attribute, else its class name.

        A suffix is appended in the base's style: `MyChainInput`, `my_func_input`.
        """
        base = name or getattr(self, "name", None) or type(self).__name__
        if suffix:
            return f"{base}{suffix.title()}" if base[0].isupper() else f"{base}_{suffix.lower()}"
        return base

    @property
    def InputType(self) -> Any:  # LangChain's name
        """The type of input this runnable accepts."""
        return Any

    @property
    def OutputType(self) -> Any:  # LangChain's name
        """The type of output this runnable produces."""
        return Any

    @property
    def input_schema(self) -> type[BaseModel]:
        """A pydantic model describing the input."""
        return self.get_input_schema()

    @property
    def output_schema(self) -> type[BaseModel]:
        """A pydantic model describing the output."""
        return self.get_output_schema()

    def get_input_schema(self, config: RunnableConfig | None = None) -> type[BaseModel]:
        """A pydantic model describing the input."""
        from runnel.runnables._schema import root_model

        return root_model(self.get_name("Input"), self.InputType)

    def get_output_schema(self, config: RunnableConfig | None = None) -> type[BaseModel]:
        """A pydantic model describing the output."""
        from runnel.runnables._schema import root_model

        return root_model(self.get_name("Output"), self.OutputType)

    def get_input_jsonschema(self, config: RunnableConfig | None = None) -> dict[str, Any]:
        """The input's JSON schema."""
        return self.get_input_schema(config).model_json_schema()

    def get_output_jsonschema(self, config: RunnableConfig | None = None) -> dict[str, Any]:
        """The output's JSON schema."""
        return self.get_output_schema(config).model_json_schema()

    @property
    def config_specs(self) -> list[Any]:
        """Configurable fields this runnable (and its children) declare."""
        return []

    def config_schema(self, *, include: Sequence[str] | None = None) -> type[BaseModel]:
        """A pydantic model of the config this runnable accepts."""
        from runnel.runnables._schema import config_model

        return config_model(self.get_name("Config"), include or ())

    def get_config_jsonschema(self, *, include: Sequence[str] | None = None) -> dict[str, Any]:
        """The config's JSON schema."""
        return self.config_schema(include=include).model_json_schema()

    @property
    def streams_input(self) -> bool:
        """True if this runnable transforms its input chunk by chunk (no barrier)."""
        return "_transform" in self._native or "_atransform" in self._native

    # -- invoke ----------------------------------------------------------------------
    def invoke(self, input: Input, config: RunnableConfig | None = None, **kwargs: Any) -> Output:
        """Run on one input and return the whole output."""
        config = ensure_config(config)
        native = self._native
        if not native & {"_invoke", "_stream", "_transform"}:
            if native & {"_ainvoke", "_astream", "_atransform"} or (
                type(self).ainvoke is not Runnable.ainvoke
            ):
                raise TypeError(
                    f"{self.get_name()} only has an async implementation: "
                    "use ainvoke/astream, or give it a sync one"
                )
            raise NotImplementedError(f"{type(self).__name__} implements no invoke")
        run = self._start(config, input, False, kwargs)
        cfg = child_config(config, run)
        try:
            if "_invoke" in native:
                output = self._invoke(input, cfg, **kwargs)
            else:
                acc = Accumulator()
                chunks = (
                    self._transform(iter((input,)), cfg, **kwargs)
                    if "_transform" in native
                    else getattr(self, self._stream_hook)(input, cfg, **kwargs)
                )
                for chunk in chunks:
                    if run is not None:
                        run.chunk(chunk)
                    acc.add(chunk)
                output = acc.value()
        except BaseException as exc:
            if run is not None:
                run.fail(exc)
            raise
        if run is not None:
            run.end(self._run_output(output))
        return cast(Output, output)

    async def ainvoke(
        self, input: Input, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Output:
        """Async twin of `invoke`; a blocking sync implementation runs in a worker thread."""
        native = self._native
        if type(self).invoke is not Runnable.invoke and "_ainvoke" not in native:
            # LangChain-style subclass: its own invoke is the implementation.
            return await anyio.to_thread.run_sync(lambda: self.invoke(input, config, **kwargs))
        config = ensure_config(config)
        run = self._start(config, input, True, kwargs)
        cfg = child_config(config, run)
        try:
            if run is not None and run.pending:
                await run.adrain()
            if "_ainvoke" in native:
                output = await self._ainvoke(input, cfg, **kwargs)
            elif "_invoke" in native:
                if self._sync_is_cheap:
                    output = self._invoke(input, cfg, **kwargs)
                else:
                    output = await anyio.to_thread.run_sync(
                        lambda: self._invoke(input, cfg, **kwargs)
                    )
            else:
                acc = Accumulator()
                async with aclosing(self._astream_hooks(input, cfg, kwargs)) as chunks:  # type: ignore[type-var]
                    async for chunk in chunks:
                        if run is not None:
                            run.chunk(chunk)
                            if run.pending:
                                await run.adrain()
                        acc.add(chunk)
                output = acc.value()
        except BaseException as exc:
            if run is not None:
                run.fail(exc)
                await adrain_shielded(run)
            raise
        if run is not None:
            run.end(self._run_output(output))
            if run.pending:
                await run.adrain()
        return cast(Output, output)

    # -- stream ----------------------------------------------------------------------
    def stream(
        self, input: Input, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Output]:
        """Yield the output in chunks as they are produced (one chunk if not streaming)."""
        config = ensure_config(config)
        native = self._native
        if "_transform" in native:
            return self._traced(config, kwargs, input, iter((input,)))
        if "_stream" in native:
            return self._traced(config, kwargs, input, None)
        return self._one(input, config, kwargs)

    def _one(self, input: Any, config: RunnableConfig, kwargs: Mapping[str, Any]) -> Iterator[Any]:
        yield self.invoke(input, config, **kwargs)

    def transform(
        self, input: Iterator[Input], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Output]:
        """Consume an input stream and yield output chunks.

        A runnable that cannot transform chunk by chunk first folds its input with `+`.
        """
        config = ensure_config(config)
        if "_transform" in self._native:
            return self._traced(config, kwargs, DEFERRED, input)
        return self._barrier(input, config, kwargs)

    def _barrier(
        self, chunks: Iterator[Any], config: RunnableConfig, kwargs: Mapping[str, Any]
    ) -> Iterator[Any]:
        acc = Accumulator()
        try:
            for chunk in chunks:
                acc.add(chunk)
        finally:
            close(chunks)
        yield from self.stream(acc.value(), config, **kwargs)

    def _traced(
        self,
        config: RunnableConfig,
        kwargs: Mapping[str, Any],
        input: Any,
        chunks: Iterator[Any] | None,
    ) -> Iterator[Any]:
        """Run `_transform` (chunks given) or `_stream`, reporting if anyone listens."""
        if not _listening(config):
            cfg = child_config(config, None)
            if chunks is None:
                return cast(Iterator[Any], getattr(self, self._stream_hook)(input, cfg, **kwargs))
            return self._transform(chunks, cfg, **kwargs)
        return self._traced_run(config, kwargs, input, chunks)

    def _traced_run(
        self,
        config: RunnableConfig,
        kwargs: Mapping[str, Any],
        input: Any,
        chunks: Iterator[Any] | None,
    ) -> Iterator[Any]:
        inputs: Accumulator | None = None
        if input is DEFERRED and chunks is not None:
            # Start only once the first input chunk exists, as LangChain does.
            inputs = Accumulator()
            chunks = recorded(next(chunks, END), chunks, inputs)
        run = self._start(config, input, False, kwargs)
        cfg = child_config(config, run)
        it = (
            getattr(self, self._stream_hook)(input, cfg, **kwargs)
            if chunks is None
            else self._transform(chunks, cfg, **kwargs)
        )
        if run is None or run.quiet:
            yield from it
            return
        acc = Accumulator()
        report = run.chunk_reporter()
        try:
            for chunk in it:
                report(chunk)
                acc.add(chunk)
                yield chunk
        except BaseException as exc:
            run.fail(exc, inputs.value() if inputs is not None else DEFERRED)
            raise
        finally:
            close(it)
        run.end(self._run_output(acc.value()), inputs.value() if inputs is not None else DEFERRED)

    # -- astream ---------------------------------------------------------------------
    def astream(
        self, input: Input, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Output]:
        """Async twin of `stream`."""
        config = ensure_config(config)
        if self._native & {"_atransform", "_astream", "_stream", "_transform"}:
            return self._atraced(config, kwargs, input, None)
        return self._aone(input, config, kwargs)

    async def _aone(
        self, input: Any, config: RunnableConfig | None, kwargs: Mapping[str, Any]
    ) -> AsyncIterator[Any]:
        yield await self.ainvoke(input, config, **kwargs)

    def atransform(
        self, input: AsyncIterator[Input], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Output]:
        """Async twin of `transform`."""
        config = ensure_config(config)
        native = self._native
        if "_atransform" in native or "_transform" in native:
            return self._atraced(config, kwargs, DEFERRED, input)
        return self._abarrier(input, config, kwargs)

    async def _abarrier(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, kwargs: Mapping[str, Any]
    ) -> AsyncIterator[Any]:
        acc = Accumulator()
        async with aclosing(chunks):  # type: ignore[type-var]
            async for chunk in chunks:
                acc.add(chunk)
        async with aclosing(self.astream(acc.value(), config, **kwargs)) as out:  # type: ignore[type-var]
            async for chunk in out:
                yield chunk

    def _astream_hooks(
        self, input: Any, config: RunnableConfig, kwargs: Mapping[str, Any]
    ) -> AsyncIterator[Any]:
        """The best async stream this class offers for a whole input (no reporting)."""
        native = self._native
        if "_astream" in native:
            return cast(
                AsyncIterator[Any], getattr(self, self._astream_hook)(input, config, **kwargs)
            )
        if "_atransform" in native:
            return self._atransform(aiter_of(input), config, **kwargs)
        if "_stream" in native:
            it = getattr(self, self._stream_hook)(input, config, **kwargs)
        else:
            it = self._transform(iter((input,)), config, **kwargs)
        return aiter_inline(it) if self._sync_is_cheap else aiter_sync(it)

    def _atransform_hooks(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, kwargs: Mapping[str, Any]
    ) -> AsyncIterator[Any]:
        if "_atransform" in self._native:
            return self._atransform(chunks, config, **kwargs)
        return sync_transform_in_thread(lambda it: self._transform(it, config, **kwargs), chunks)

    def _atraced(
        self,
        config: RunnableConfig,
        kwargs: Mapping[str, Any],
        input: Any,
        chunks: AsyncIterator[Any] | None,
    ) -> AsyncIterator[Any]:
        if not _listening(config):
            cfg = child_config(config, None)
            if chunks is None:
                return self._astream_hooks(input, cfg, kwargs)
            return self._atransform_hooks(chunks, cfg, kwargs)
        return self._atraced_run(config, kwargs, input, chunks)

    async def _atraced_run(
        self,
        config: RunnableConfig,
        kwargs: Mapping[str, Any],
        input: Any,
        chunks: AsyncIterator[Any] | None,
    ) -> AsyncIterator[Any]:
        inputs: Accumulator | None = None
        if input is DEFERRED and chunks is not None:
            inputs = Accumulator()
            chunks = arecorded(await anext(chunks, END), chunks, inputs)
        run = self._start(config, input, True, kwargs)
        cfg = child_config(config, run)
        it = (
            self._astream_hooks(input, cfg, kwargs)
            if chunks is None
            else self._atransform_hooks(chunks, cfg, kwargs)
        )
        async with aclosing(it):  # type: ignore[type-var]
            if run is None or run.quiet:
                async for chunk in it:
                    yield chunk
                return
            acc = Accumulator()
            report = run.chunk_reporter()
            try:
                if run.pending:
                    await run.adrain()
                if inputs is not None:
                    # A step fed by a stream lets concurrent siblings start too, so
                    # runs start in the same order as langchain-core's.
                    await anyio.lowlevel.checkpoint()
                async for chunk in it:
                    report(chunk)
                    if run.pending:
                        await run.adrain()
                    acc.add(chunk)
                    yield chunk
            except BaseException as exc:
                run.fail(exc, inputs.value() if inputs is not None else DEFERRED)
                await adrain_shielded(run)
                raise
        run.end(self._run_output(acc.value()), inputs.value() if inputs is not None else DEFERRED)
        if run.pending:
            await run.adrain()

    # -- batch -----------------------------------------------------------------------
    @overload
    def batch(
        self,
        inputs: Sequence[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[False] = False,
        **kwargs: Any,
    ) -> list[Output]: ...

    @overload
    def batch(
        self,
        inputs: Sequence[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool,
        **kwargs: Any,
    ) -> list[Output | Exception]: ...

    def batch(
        self,
        inputs: Sequence[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Output] | list[Output | Exception]:
        """Invoke on each input, in worker threads bounded by `max_concurrency`.

        Results keep the inputs' order. With `return_exceptions`, a failed input's
        result is its exception instead of the batch raising.
        """
        out: list[Any] = [None] * len(inputs)
        for index, result in self.batch_as_completed(
            inputs, config, return_exceptions=return_exceptions, **kwargs
        ):
            out[index] = result
        return out

    def batch_as_completed(
        self,
        inputs: Sequence[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> Iterator[tuple[int, Output | Exception]]:
        """Invoke on each input and yield `(index, result)` as each one finishes."""
        if not inputs:
            return
        configs = get_config_list(config, len(inputs))

        def one(index: int) -> Any:
            try:
                return self.invoke(inputs[index], configs[index], **kwargs)
            except Exception as exc:
                if return_exceptions:
                    return exc
                raise

        if len(inputs) == 1:
            yield 0, one(0)
            return
        workers = (
            configs[0].get("max_concurrency") or self._batch_concurrency or min(len(inputs), 32)
        )
        import contextvars

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="runnel-batch") as pool:
            futures: dict[Future[Any], int] = {
                pool.submit(contextvars.copy_context().run, one, i): i for i in range(len(inputs))
            }
            try:
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        yield futures[future], future.result()
            finally:
                for future in futures:
                    future.cancel()

    async def abatch(
        self,
        inputs: Sequence[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Async twin of `batch`: concurrent tasks bounded by `max_concurrency`."""
        out: list[Any] = [None] * len(inputs)
        async with aclosing(  # type: ignore[type-var]
            self.abatch_as_completed(inputs, config, return_exceptions=return_exceptions, **kwargs)
        ) as results:
            async for index, result in results:
                out[index] = result
        return out

    async def abatch_as_completed(
        self,
        inputs: Sequence[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> AsyncIterator[tuple[int, Output | Exception]]:
        """Async twin of `batch_as_completed`."""
        if not inputs:
            return
        configs = get_config_list(config, len(inputs))
        limit = configs[0].get("max_concurrency") or self._batch_concurrency

        async def one(index: int) -> Any:
            try:
                return await self.ainvoke(inputs[index], configs[index], **kwargs)
            except Exception as exc:
                if return_exceptions:
                    return exc
                raise

        async for item in run_bounded(one, len(inputs), limit):
            yield item

    # -- event streams (see runnel.tracers) -----------------------------------------
    def astream_events(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        *,
        version: str = "v2",
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[dict[str, Any]]:
        """Stream the events of this run and every child run (see runnel.tracers)."""
        from runnel.tracers.event_stream import astream_events

        return astream_events(
            self,
            input,
            config,
            version=version,
            include_names=include_names,
            include_types=include_types,
            include_tags=include_tags,
            exclude_names=exclude_names,
            exclude_types=exclude_types,
            exclude_tags=exclude_tags,
            **kwargs,
        )

    def stream_events(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        *,
        version: str = "v2",
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> Iterator[dict[str, Any]]:
        """Sync twin of `astream_events`, for hosts without an event loop."""
        from runnel.tracers.event_stream import stream_events

        return stream_events(
            self,
            input,
            config,
            version=version,
            include_names=include_names,
            include_types=include_types,
            include_tags=include_tags,
            exclude_names=exclude_names,
            exclude_types=exclude_types,
            exclude_tags=exclude_tags,
            **kwargs,
        )

    def astream_log(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        *,
        diff: bool = True,
        with_streamed_output_list: bool = True,
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[RunLogPatch]:
        """Stream the run as JSON-patch operations on a run log (see runnel.tracers)."""
        from runnel.tracers.log_stream import astream_log

        return astream_log(
            self,
            input,
            config,
            diff=diff,
            with_streamed_output_list=with_streamed_output_list,
            include_names=include_names,
            include_types=include_types,
            include_tags=include_tags,
            exclude_names=exclude_names,
            exclude_types=exclude_types,
            exclude_tags=exclude_tags,
            **kwargs,
        )

    # -- composition -----------------------------------------------------------------
    def __or__(self, other: RunnableLike) -> RunnableSequence:
        from runnel.runnables._sequence import RunnableSequence

        return RunnableSequence(self, coerce_to_runnable(other))

    def __ror__(self, other: RunnableLike) -> RunnableSequence:
        from runnel.runnables._sequence import RunnableSequence

        return RunnableSequence(coerce_to_runnable(other), self)

    def pipe(self, *others: RunnableLike, name: str | None = None) -> RunnableSequence:
        """Compose with the following steps: `a.pipe(b, c)` is `a | b | c`."""
        from runnel.runnables._sequence import RunnableSequence

        return RunnableSequence(self, *(coerce_to_runnable(o) for o in others), name=name)

    def pick(self, keys: str | list[str]) -> RunnableSequence:
        """Compose with a step that keeps only `keys` of this runnable's dict output."""
        from runnel.runnables._passthrough import RunnablePick

        return self | RunnablePick(keys)

    def assign(self, **kwargs: RunnableLike) -> RunnableSequence:
        """Compose with a step that adds keys computed from this runnable's dict output."""
        from runnel.runnables._parallel import RunnableParallel
        from runnel.runnables._passthrough import RunnableAssign

        return self | RunnableAssign(RunnableParallel(kwargs))

    def bind(self, **kwargs: Any) -> RunnableBinding:
        """A copy of this runnable that always gets these keyword arguments."""
        from runnel.runnables._binding import RunnableBinding

        return RunnableBinding(bound=self, kwargs=kwargs)

    def with_config(self, config: RunnableConfig | None = None, **kwargs: Any) -> RunnableBinding:
        """A copy of this runnable that always runs with this config merged in."""
        from runnel.runnables._binding import RunnableBinding

        return RunnableBinding(bound=self, config=merge_configs(config, cast(Any, kwargs)))

    def with_listeners(
        self,
        *,
        on_start: Callable[..., Any] | None = None,
        on_end: Callable[..., Any] | None = None,
        on_error: Callable[..., Any] | None = None,
    ) -> RunnableBinding:
        """A copy that calls `on_start(run)`, `on_end(run)`, `on_error(run)` for its runs.

        Each function may also take `config` as a second argument.
        """
        from runnel.runnables._binding import RunListener, RunnableBinding

        listener = RunListener(on_start=on_start, on_end=on_end, on_error=on_error)
        return RunnableBinding(bound=self, config={"callbacks": [listener]})

    def with_retry(
        self,
        *,
        retry_if_exception_type: tuple[type[BaseException], ...] = (Exception,),
        wait_exponential_jitter: bool = True,
        exponential_jitter_params: Mapping[str, float] | None = None,
        stop_after_attempt: int = 3,
    ) -> RunnableRetry:
        """A copy that retries on the given exceptions, with exponential back-off.

        Streams retry too, until their first chunk has been delivered.
        """
        from runnel.runnables._retry import RunnableRetry

        return RunnableRetry(
            bound=self,
            retry_exception_types=retry_if_exception_type,
            wait_exponential_jitter=wait_exponential_jitter,
            exponential_jitter_params=dict(exponential_jitter_params or {}),
            max_attempt_number=stop_after_attempt,
        )

    def with_fallbacks(
        self,
        fallbacks: Sequence[RunnableLike],
        *,
        exceptions_to_handle: tuple[type[BaseException], ...] = (Exception,),
        exception_key: str | None = None,
    ) -> RunnableWithFallbacks:
        """A copy that tries each fallback in turn when this one fails.

        Streams fall back too, until their first chunk has been delivered.
        """
        from runnel.runnables._fallbacks import RunnableWithFallbacks

        return RunnableWithFallbacks(
            runnable=self,
            fallbacks=[coerce_to_runnable(f) for f in fallbacks],
            exceptions_to_handle=exceptions_to_handle,
            exception_key=exception_key,
        )

    def map(self) -> Runnable[list[Input], list[Output]]:
        """A runnable that applies this one to each element of a list input."""
        from runnel.runnables._lambda import RunnableLambda

        def each(inputs: list[Any], config: RunnableConfig) -> list[Any]:
            return self.batch(inputs, config)

        async def aeach(inputs: list[Any], config: RunnableConfig) -> list[Any]:
            return await self.abatch(inputs, config)

        return RunnableLambda(each, aeach, name=f"RunnableEach<{self.get_name()}>")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


RunnableLike = Any  # Runnable | Callable | Mapping[str, RunnableLike]: coerced by `|`


def coerce_to_runnable(thing: RunnableLike) -> Runnable[Any, Any]:
    """Turn a function, generator function or dict into a runnable.

    Raises:
        TypeError: `thing` is none of those.
    """
    if isinstance(thing, Runnable):
        return thing
    import inspect

    if inspect.isasyncgenfunction(thing) or inspect.isgeneratorfunction(thing):
        from runnel.runnables._generator import RunnableGenerator

        return RunnableGenerator(thing)
    if callable(thing):
        from runnel.runnables._lambda import RunnableLambda

        return RunnableLambda(thing)
    if isinstance(thing, Mapping):
        from runnel.runnables._parallel import RunnableParallel

        return RunnableParallel(dict(thing))
    raise TypeError(
        f"expected a Runnable, a callable or a dict to compose with, got {type(thing).__name__}"
    )
