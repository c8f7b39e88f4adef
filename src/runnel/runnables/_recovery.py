"""Retrying or falling back while streaming: transparent until the first chunk."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar

from runnel._core.fold import Accumulator
from runnel.exceptions import StreamInterrupted
from runnel.runnables._utils import aclosing, close

__all__ = ["Replay", "AsyncReplay", "arecover_stream", "recover_stream"]

T = TypeVar("T")


def recover_stream(
    open_attempt: Callable[[int], Iterator[T]],
    on_failure: Callable[[Exception, int], bool],
) -> Iterator[T]:
    """Yield from attempt 1, 2, ... while `on_failure(error, attempt)` says to go on.

    Only failures before the first chunk are recovered; a later failure that
    `on_failure` would have recovered raises `StreamInterrupted` with the partial
    output.
    """
    attempt = 1
    while True:
        it = open_attempt(attempt)
        acc = Accumulator()
        delivered = 0
        try:
            for chunk in it:
                delivered += 1
                acc.add(chunk)
                yield chunk
            return
        except Exception as exc:
            recover = on_failure(exc, attempt)
            if recover and delivered:
                raise StreamInterrupted(exc, acc.value(), delivered) from exc
            if not recover:
                raise
        finally:
            close(it)
        attempt += 1


async def arecover_stream(
    open_attempt: Callable[[int], AsyncIterator[T]],
    on_failure: Callable[[Exception, int], Awaitable[bool]],
) -> AsyncIterator[T]:
    """Async twin of `recover_stream`."""
    attempt = 1
    while True:
        acc = Accumulator()
        delivered = 0
        try:
            async with aclosing(open_attempt(attempt)) as it:  # type: ignore[type-var]
                async for chunk in it:
                    delivered += 1
                    acc.add(chunk)
                    yield chunk
            return
        except Exception as exc:
            recover = await on_failure(exc, attempt)
            if recover and delivered:
                raise StreamInterrupted(exc, acc.value(), delivered) from exc
            if not recover:
                raise
        attempt += 1


class Replay(Generic[T]):
    """Lets an input stream be consumed again from the start by a retried attempt."""

    def __init__(self, source: Iterator[T]) -> None:
        self._source = source
        self._seen: list[T] = []

    def __call__(self, attempt: int = 0) -> Iterator[T]:
        """A fresh iterator: the items seen so far, then the rest of the source."""
        yield from self._seen
        for item in self._source:
            self._seen.append(item)
            yield item

    def close(self) -> None:
        """Close the source."""
        close(self._source)


class AsyncReplay(Generic[T]):
    """Async twin of `Replay`."""

    def __init__(self, source: AsyncIterator[T]) -> None:
        self._source = source
        self._seen: list[T] = []

    async def __call__(self, attempt: int = 0) -> AsyncIterator[T]:
        """A fresh iterator: the items seen so far, then the rest of the source."""
        for item in self._seen:
            yield item
        async for item in self._source:
            self._seen.append(item)
            yield item

    async def aclose(self) -> None:
        """Close the source."""
        aclose: Any = getattr(self._source, "aclose", None)
        if aclose is not None:
            await aclose()
