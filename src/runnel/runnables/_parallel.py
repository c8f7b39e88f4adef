"""RunnableParallel: branches run concurrently on the same input; output is a dict."""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from runnel._core.fold import AddableDict
from runnel._core.run import step_config
from runnel.runnables._config import RunnableConfig
from runnel.runnables._plumbing import run_bounded
from runnel.runnables._protocol import Runnable, coerce_to_runnable
from runnel.runnables._tee import AsyncTee, Tee
from runnel.runnables._utils import aclosing, close

__all__ = ["RunnableParallel"]

_DONE = object()


class RunnableParallel(Runnable[Any, dict[str, Any]]):
    """Runs each branch on the same input, concurrently; returns `{key: output}`.

    Threads for sync calls, tasks for async ones, at most `max_concurrency` at once.
    Streamed, it yields `{key: chunk}` as each branch produces a chunk.
    A dict in a chain is turned into one of these.
    """

    _sync_is_cheap = True

    def __init__(self, steps__: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        merged = {**(steps__ or {}), **kwargs}
        self.steps__: dict[str, Runnable[Any, Any]] = {
            key: coerce_to_runnable(value) for key, value in merged.items()
        }
        self.name = None

    @property
    def steps(self) -> dict[str, Runnable[Any, Any]]:
        """The branches, by output key."""
        return self.steps__

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        base = name or self.name or f"RunnableParallel<{','.join(self.steps__)}>"
        return super().get_name(suffix, name=base)

    def get_output_schema(self, config: RunnableConfig | None = None) -> Any:
        from runnel.runnables._schema import object_model

        return object_model(
            self.get_name("Output"), {k: s.OutputType for k, s in self.steps__.items()}
        )

    @property
    def config_specs(self) -> list[Any]:
        specs: list[Any] = []
        for step in self.steps__.values():
            specs.extend(s for s in step.config_specs if s not in specs)
        return specs

    def __repr__(self) -> str:
        inner = ",\n  ".join(f"{k}: {v!r}" for k, v in self.steps__.items())
        return "{\n  " + inner + "\n}"

    def _branch_configs(
        self, config: RunnableConfig
    ) -> list[tuple[str, Runnable[Any, Any], RunnableConfig]]:
        return [
            (key, step, step_config(config, f"map:key:{key}")) for key, step in self.steps__.items()
        ]

    # -- invoke ------------------------------------------------------------------------
    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> dict[str, Any]:
        branches = self._branch_configs(config)
        if len(branches) == 1:
            key, step, cfg = branches[0]
            return {key: step.invoke(input, cfg)}
        workers = min(len(branches), config.get("max_concurrency") or len(branches))
        with ThreadPoolExecutor(workers, thread_name_prefix="runnel-parallel") as pool:
            futures = [
                (key, pool.submit(contextvars.copy_context().run, step.invoke, input, cfg))
                for key, step, cfg in branches
            ]
            try:
                return {key: future.result() for key, future in futures}
            finally:
                for _, future in futures:
                    future.cancel()

    async def _ainvoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> dict[str, Any]:
        branches = self._branch_configs(config)
        out: dict[str, Any] = {}

        async def one(index: int) -> Any:
            _, step, cfg = branches[index]
            return await step.ainvoke(input, cfg)

        async with aclosing(  # type: ignore[type-var]
            run_bounded(one, len(branches), config.get("max_concurrency"))
        ) as results:
            async for index, value in results:
                out[branches[index][0]] = value
        return {key: out[key] for key, _, _ in branches}

    # -- transform -------------------------------------------------------------------
    def _transform(
        self, chunks: Iterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> Iterator[AddableDict]:
        branches = self._branch_configs(config)
        if len(branches) == 1:
            key, step, cfg = branches[0]
            it = step.transform(chunks, cfg)
            try:
                for chunk in it:
                    yield AddableDict({key: chunk})
            finally:
                close(it)
            return
        tee = Tee(chunks, len(branches))
        out: queue.Queue[Any] = queue.Queue(maxsize=4 * len(branches))
        stop = threading.Event()

        def pump(key: str, step: Runnable[Any, Any], cfg: RunnableConfig, src: Any) -> None:
            it = step.transform(src, cfg)
            try:
                for chunk in it:
                    out.put((key, chunk))
                    if stop.is_set():
                        break
            except BaseException as exc:
                out.put((_DONE, exc))
            finally:
                close(it)
                close(src)
                out.put((_DONE, None))

        workers = min(len(branches), config.get("max_concurrency") or len(branches))
        pool = ThreadPoolExecutor(workers, thread_name_prefix="runnel-parallel")
        for (key, step, cfg), src in zip(branches, tee.branches, strict=True):
            pool.submit(contextvars.copy_context().run, pump, key, step, cfg, src)
        running = len(branches)
        try:
            while running:
                key, value = out.get()
                if key is _DONE:
                    if value is not None:
                        raise value
                    running -= 1
                else:
                    yield AddableDict({key: value})
        finally:
            stop.set()
            while running:
                key, value = out.get()
                if key is _DONE and value is None:
                    running -= 1
            pool.shutdown(wait=True)

    async def _atransform(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[AddableDict]:
        branches = self._branch_configs(config)
        if len(branches) == 1:
            key, step, cfg = branches[0]
            async with aclosing(step.atransform(chunks, cfg)) as it:  # type: ignore[type-var]
                async for chunk in it:
                    yield AddableDict({key: chunk})
            return
        tee = AsyncTee(chunks, len(branches))
        out: asyncio.Queue[tuple[Any, Any]] = asyncio.Queue(maxsize=4 * len(branches))
        limit = config.get("max_concurrency")
        semaphore = asyncio.Semaphore(limit) if limit else None

        async def pump(
            key: str, step: Runnable[Any, Any], cfg: RunnableConfig, src: AsyncIterator[Any]
        ) -> None:
            try:
                if semaphore is not None:
                    await semaphore.acquire()
                async with aclosing(src), aclosing(step.atransform(src, cfg)) as it:  # type: ignore[type-var]
                    async for chunk in it:
                        await out.put((key, chunk))
            except Exception as exc:
                await out.put((_DONE, exc))
            finally:
                if semaphore is not None:
                    semaphore.release()
            await out.put((_DONE, None))

        tasks = [
            asyncio.ensure_future(pump(key, step, cfg, src))
            for (key, step, cfg), src in zip(branches, tee.branches, strict=True)
        ]
        running = len(tasks)
        try:
            while running:
                key, value = await out.get()
                if key is _DONE:
                    if value is not None:
                        raise value
                    running -= 1
                else:
                    yield AddableDict({key: value})
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()
