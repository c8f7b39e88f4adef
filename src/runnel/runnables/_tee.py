"""Splitting one input stream into several independent ones (for parallel branches)."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator
from typing import Generic, TypeVar

from runnel.runnables._utils import close

__all__ = ["AsyncTee", "Tee"]

T = TypeVar("T")


class Tee(Generic[T]):
    """`n` thread-safe iterators over one source; each sees every item once.

    The source is closed when every branch has been closed or exhausted.
    """

    def __init__(self, source: Iterator[T], n: int) -> None:
        self._source = source
        self._buffers: list[deque[T]] = [deque() for _ in range(n)]
        self._lock = threading.Lock()
        self._done = False
        self._open = n
        self.branches = [self._branch(i) for i in range(n)]

    def _branch(self, index: int) -> Iterator[T]:
        buffer = self._buffers[index]
        try:
            while True:
                with self._lock:
                    if buffer:
                        item = buffer.popleft()
                    elif self._done:
                        return
                    else:
                        try:
                            item = next(self._source)
                        except StopIteration:
                            self._done = True
                            return
                        for other in self._buffers:
                            if other is not buffer:
                                other.append(item)
                yield item
        finally:
            with self._lock:
                self._open -= 1
                buffer.clear()
                last = self._open == 0
            if last:
                close(self._source)


class AsyncTee(Generic[T]):
    """`n` async iterators over one async source; each sees every item once."""

    def __init__(self, source: AsyncIterator[T], n: int) -> None:
        self._source = source
        self._buffers: list[deque[T]] = [deque() for _ in range(n)]
        self._lock = asyncio.Lock()
        self._done = False
        self._open = n
        self.branches = [self._branch(i) for i in range(n)]

    async def _branch(self, index: int) -> AsyncIterator[T]:
        buffer = self._buffers[index]
        try:
            while True:
                if not buffer:
                    async with self._lock:
                        if not buffer and not self._done:
                            try:
                                item = await anext(self._source)
                            except StopAsyncIteration:
                                self._done = True
                            else:
                                for other in self._buffers:
                                    other.append(item)
                if not buffer:
                    return
                yield buffer.popleft()
        finally:
            self._open -= 1
            buffer.clear()
            if self._open == 0:
                aclose = getattr(self._source, "aclose", None)
                if aclose is not None:
                    await aclose()
