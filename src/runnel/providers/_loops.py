"""An async HTTP client per event loop, closed when its loop shuts down.

An async client's pooled connections belong to the event loop that opened them: used from
another loop (a second ``asyncio.run``) they fail with "Event loop is closed". So each loop
gets its own client. On asyncio the client is also closed when its loop shuts down
(``asyncio.run`` closes the loop's async generators first: a generator parked at its first
``yield`` closes the client then), so no connection outlives its loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, Generic, TypeVar

from anyio.lowlevel import current_token

__all__ = ["PerLoop"]

T = TypeVar("T")


class PerLoop(Generic[T]):
    """The value `make` builds, once per running event loop.

    Args:
        make: Builds the value (an async client, or what wraps one).
        close: Closes a value, in the loop that made it.
    """

    __slots__ = ("_close", "_closer", "_loop", "_make", "_value")

    def __init__(self, make: Callable[[], T], close: Callable[[T], Awaitable[None]]) -> None:
        self._make = make
        self._close = close
        self._value: T | None = None
        self._loop: Any = None
        self._closer: AsyncGenerator[None, None] | None = None

    def get(self) -> T:
        """The value of the running event loop (made now if it has none)."""
        loop = _running()
        if self._value is None or self._loop != loop:
            self._value, self._loop = self._make(), loop
            self._closer = None
            if isinstance(loop, weakref.ref):
                self._closer = self._close_at_shutdown(self._value)
                _start(self._closer)
        return self._value

    async def aclose(self) -> None:
        """Close the value if it belongs to the running loop (one of another is dropped)."""
        value, closer, loop = self._value, self._closer, self._loop
        self._value = self._closer = self._loop = None
        if value is None or loop != _running():
            return
        if closer is not None:
            await closer.aclose()  # its ``finally`` closes the value
        else:
            await self._close(value)

    async def _close_at_shutdown(self, value: T) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            await self._close(value)


def _running() -> Any:
    try:
        return weakref.ref(asyncio.get_running_loop())
    except RuntimeError:  # another async library (trio): no shutdown hook to close it
        return current_token()


def _start(generator: AsyncGenerator[None, None]) -> None:
    """Run `generator` to its first ``yield`` (it awaits nothing before); this registers it
    with the running loop's async generator hooks."""
    with contextlib.suppress(StopIteration):
        generator.__anext__().send(None)
