"""Splitting one input stream into several independent ones (for parallel branches)."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator
from typing import Any, Generic, TypeVar

from runnel.runnables._utils import close

__all__ = ["AsyncTee", "Tee"]

T = TypeVar("T")


class Tee(Generic[T]):
    """`n` thread-safe iterators over one source; each sees every item once.

    The source is closed when every branch has been closed or exhausted, including
    branches that were never iterated (closing them counts).
    """

    def __init__(self, source: Iterator[T], n: int) -> None:
        self._source = source
        self._buffers: list[deque[T] | None] = [deque() for _ in range(n)]
        self._lock = threading.Lock()
        self._done = False
        self._open = n
        self.branches: list[Iterator[T]] = [_Branch(self, i) for i in range(n)]

    def _next(self, index: int) -> T:
        with self._lock:
            buffer = self._buffers[index]
            if buffer is None:
                raise StopIteration
            if buffer:
                return buffer.popleft()
            if not self._done:
                try:
                    item = next(self._source)
                except StopIteration:
                    self._done = True
                else:
                    for other in self._buffers:
                        if other is not None and other is not buffer:
                            other.append(item)
                    return item
        self._close(index)
        raise StopIteration

    def _close(self, index: int) -> None:
        with self._lock:
            if self._buffers[index] is None:
                return
            self._buffers[index] = None
            self._open -= 1
            last = self._open == 0
        if last:
            close(self._source)


class _Branch(Iterator[T]):
    __slots__ = ("_index", "_tee")

    def __init__(self, tee: Tee[T], index: int) -> None:
        self._tee = tee
        self._index = index

    def __next__(self) -> T:
        return self._tee._next(self._index)

    def close(self) -> None:
        """Stop reading; the source is closed once every branch is."""
        self._tee._close(self._index)


class AsyncTee(Generic[T]):
    """`n` async iterators over one async source; each sees every item once.

    The source is closed when every branch has been closed or exhausted, including
    branches that were never iterated.
    """

    def __init__(self, source: AsyncIterator[T], n: int) -> None:
        self._source = source
        self._buffers: list[deque[T] | None] = [deque() for _ in range(n)]
        self._lock = asyncio.Lock()
        self._done = False
        self._open = n
        self.branches: list[AsyncIterator[T]] = [_AsyncBranch(self, i) for i in range(n)]

    async def _next(self, index: int) -> T:
        buffer = self._buffers[index]
        if buffer is not None and not buffer:
            async with self._lock:
                if not buffer and not self._done and self._buffers[index] is not None:
                    try:
                        item = await anext(self._source)
                    except StopAsyncIteration:
                        self._done = True
                    else:
                        for other in self._buffers:
                            if other is not None:
                                other.append(item)
        if buffer is None or self._buffers[index] is None:
            raise StopAsyncIteration
        if not buffer:
            await self._aclose(index)
            raise StopAsyncIteration
        return buffer.popleft()

    async def _aclose(self, index: int) -> None:
        if self._buffers[index] is None:
            return
        self._buffers[index] = None
        self._open -= 1
        if self._open == 0:
            aclose: Any = getattr(self._source, "aclose", None)
            if aclose is not None:
                await aclose()


class _AsyncBranch(AsyncIterator[T]):
    __slots__ = ("_index", "_tee")

    def __init__(self, tee: AsyncTee[T], index: int) -> None:
        self._tee = tee
        self._index = index

    async def __anext__(self) -> T:
        return await self._tee._next(self._index)

    async def aclose(self) -> None:
        """Stop reading; the source is closed once every branch is."""
        await self._tee._aclose(self._index)
