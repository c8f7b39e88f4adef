"""Small helpers shared by the runnables: signatures, thread bridges, closing."""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import aclosing
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread

__all__ = ["accepts_param", "aiter_sync", "aiter_of", "aclosing", "call_target", "close"]

T = TypeVar("T")
_DONE = object()


def accepts_param(func: Callable[..., Any], name: str) -> bool:
    """True if `func` takes a parameter called `name` (or **kwargs)."""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return name in params


def call_target(func: Callable[..., Any]) -> Callable[..., Any]:
    """What decides how `func` runs (async? generator?): itself, or an object's `__call__`."""
    if inspect.isroutine(func) or inspect.isclass(func) or isinstance(func, functools.partial):
        return func
    return getattr(func, "__call__", func)  # noqa: B004 - the method itself is wanted


def close(it: object) -> None:
    """Close an iterator if it can be closed (generators: their finally blocks run)."""
    closer = getattr(it, "close", None)
    if closer is not None:
        closer()


async def aiter_of(value: T) -> AsyncIterator[T]:
    """An async iterator yielding one value."""
    yield value


def _next_or_done(it: Iterator[T]) -> T | object:
    try:
        return next(it)
    except StopIteration:
        return _DONE


async def aiter_sync(it: Iterator[T]) -> AsyncIterator[T]:
    """Iterate a blocking sync iterator from async code, one worker-thread hop per item.

    Closing waits for an item still being made: a task cancelled while a worker
    thread runs `next(it)` leaves that thread running, and `it` can only be closed
    once it returns.
    """
    busy = threading.Lock()

    def step() -> T | object:
        with busy:
            return _next_or_done(it)

    def finish() -> None:
        with busy:
            close(it)

    try:
        while True:
            item = await anyio.to_thread.run_sync(step)
            if item is _DONE:
                return
            yield item  # type: ignore[misc]
    finally:
        await anyio.to_thread.run_sync(finish)


class SyncBridge(Iterator[T]):
    """A sync iterator over an async one, for sync code running in an anyio worker thread."""

    def __init__(self, source: AsyncIterator[T]) -> None:
        self._source = source

    def __next__(self) -> T:
        try:
            return anyio.from_thread.run(self._source.__anext__)  # type: ignore[arg-type]
        except StopAsyncIteration:
            raise StopIteration from None
