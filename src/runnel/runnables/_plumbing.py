"""Stream plumbing shared by the runnables: recording, bridging, bounded fan-out."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from runnel._core.fold import Accumulator
from runnel._core.run import CallbackManager, Run
from runnel.runnables._config import RunnableConfig, child_config_var
from runnel.runnables._utils import SyncBridge, aclosing, aiter_sync, close

__all__ = [
    "END",
    "aiter_inline",
    "adrain_shielded",
    "arecorded",
    "current_run",
    "recorded",
    "run_bounded",
    "run_in_context",
    "sync_transform_in_thread",
]

T = TypeVar("T")

END: Any = object()  # marks an exhausted iterator


def recorded(first: Any, rest: Iterator[T], acc: Accumulator) -> Iterator[T]:
    """`first` then `rest`, each chunk also added to `acc` (a run's streamed input)."""
    try:
        if first is END:
            return
        acc.add(first)
        yield first
        for chunk in rest:
            acc.add(chunk)
            yield chunk
    finally:
        close(rest)


async def arecorded(first: Any, rest: AsyncIterator[T], acc: Accumulator) -> AsyncIterator[T]:
    """Async twin of `recorded`."""
    async with aclosing(rest):  # type: ignore[type-var]
        if first is END:
            return
        acc.add(first)
        yield first
        async for chunk in rest:
            acc.add(chunk)
            yield chunk


async def aiter_inline(it: Iterator[T]) -> AsyncIterator[T]:
    try:
        for item in it:
            yield item
    finally:
        close(it)


async def sync_transform_in_thread(
    transform: Callable[[Iterator[Any]], Iterator[T]], chunks: AsyncIterator[Any]
) -> AsyncIterator[T]:
    """Run a blocking sync transform in worker threads, fed from an async stream."""
    async with aclosing(chunks):  # type: ignore[type-var]
        out = await anyio.to_thread.run_sync(lambda: transform(SyncBridge(chunks)))
        async with aclosing(aiter_sync(out)) as items:  # type: ignore[type-var]
            async for item in items:
                yield item


async def adrain_shielded(run: Run) -> None:
    if run.pending:
        with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
            await run.adrain()


async def run_bounded(
    func: Callable[[int], Awaitable[T]], count: int, limit: int | None
) -> AsyncIterator[tuple[int, T]]:
    """Run `func(0..count-1)` as tasks, at most `limit` at once; yield as they finish.

    The first failure cancels the rest and is raised; leaving early cancels the rest.
    """
    semaphore = asyncio.Semaphore(limit) if limit else None

    async def guarded(index: int) -> tuple[int, T]:
        if semaphore is None:
            return index, await func(index)
        async with semaphore:
            return index, await func(index)

    tasks = [asyncio.ensure_future(guarded(i)) for i in range(count)]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def current_run(config: RunnableConfig) -> Run | None:
    """The run a hook is executing in (None when nobody listens)."""
    callbacks = config.get("callbacks")
    return callbacks.parent_run if isinstance(callbacks, CallbackManager) else None


def run_in_context(config: RunnableConfig, func: Callable[..., T], *args: Any) -> T:
    """Call a user function with `config` as the config nested runnables inherit."""
    token = child_config_var.set(config)
    try:
        return func(*args)
    finally:
        child_config_var.reset(token)
