"""How provider models hold their SDK and HTTP clients across event loops.

An async client's pooled connections belong to the event loop that opened them: used from
another loop (a second ``asyncio.run``) they fail with "Event loop is closed". So each loop
gets its own client. On asyncio the client is also closed when its loop shuts down
(``asyncio.run`` and ``asyncio.Runner`` close the loop's async generators first: a
generator parked at its first ``yield`` closes the client then), so no connection outlives
its loop and nothing is left for the garbage collector to warn about.

* `PerLoop`: one owner's value for the running loop (a new loop replaces it).
* `Clients`: a model's own clients: one sync client that threads share, and a `PerLoop`
  async one.
* `LoopLocal`: a value shared by every caller in the same asyncio loop (a pool of clients
  that models share), one per live loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, Generic, TypeVar

from anyio.lowlevel import current_token

__all__ = ["Clients", "LoopLocal", "PerLoop", "sdk_on_http"]

T = TypeVar("T")
S = TypeVar("S")
A = TypeVar("A")


class PerLoop(Generic[T]):
    """The value `make` builds, once per running event loop.

    Args:
        make: Builds the value (an async client, or what wraps one).
        close: Closes a value, in the loop that made it.
    """

    __slots__ = ("_close", "_closer", "_loop", "_make", "_value")

    def __init__(self, make: Callable[[], T], close: Callable[[T], Awaitable[object]]) -> None:
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
                self._closer = _close_at_shutdown(self._close, self._value)
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


class Clients(Generic[S, A]):
    """A model's own clients, made on first use: a sync one, and an async one per loop.

    Args:
        close_sync: Closes the sync client.
        close_async: Closes an async client, in the loop that made it.
    """

    __slots__ = ("_async", "_close_async", "_close_sync", "_lock", "_sync")

    def __init__(
        self, close_sync: Callable[[S], object], close_async: Callable[[A], Awaitable[object]]
    ) -> None:
        self._close_sync = close_sync
        self._close_async = close_async
        self._sync: S | None = None
        self._async: PerLoop[A] | None = None
        self._lock = threading.Lock()

    def sync(self, make: Callable[[], S]) -> S:
        """The sync client (`make` builds it the first time; threads share it)."""
        with self._lock:  # batch calls it from several threads at once
            if self._sync is None:
                self._sync = make()
            return self._sync

    def async_(self, make: Callable[[], A]) -> A:
        """The async client of the running event loop (`make` builds it if it has none)."""
        if self._async is None:
            self._async = PerLoop(make, self._close_async)
        return self._async.get()

    def close(self) -> None:
        """Close the sync client (a later call makes a new one)."""
        with self._lock:
            client, self._sync = self._sync, None
        if client is not None:
            self._close_sync(client)

    async def aclose(self) -> None:
        """Close both clients; the async one only if it belongs to the running loop."""
        if self._async is not None:
            await self._async.aclose()
        self.close()


def sdk_on_http() -> Clients[tuple[Any, Any], tuple[Any, Any]]:
    """`Clients` held as (HTTP client, SDK client on it) pairs, closed through the HTTP
    client (an SDK that is handed its HTTP client does not close it)."""
    return Clients(lambda pair: pair[0].close(), lambda pair: pair[0].aclose())


class LoopLocal(Generic[T]):
    """A value per running asyncio event loop, shared by all its callers, closed with it.

    Args:
        make: Builds the value for a loop.
        close: Closes a value, in its loop, when the loop shuts down.
    """

    __slots__ = ("_close", "_lock", "_make", "_values")

    def __init__(self, make: Callable[[], T], close: Callable[[T], Awaitable[object]]) -> None:
        self._make = make
        self._close = close
        self._lock = threading.Lock()
        # the closer is kept with the value: the loop only holds it weakly
        self._values: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[T, AsyncGenerator[None, None]]
        ] = weakref.WeakKeyDictionary()

    def get(self) -> T | None:
        """The running loop's value (made now if it has none); None outside asyncio (trio),
        which has no shutdown hook to close it."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        with self._lock:
            found = self._values.get(loop)
            if found is not None:
                return found[0]
            value = self._make()
            closer = self._closing(weakref.ref(loop), value)
            self._values[loop] = (value, closer)
        _start(closer)
        return value

    async def _closing(
        self, loop: weakref.ref[asyncio.AbstractEventLoop], value: T
    ) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            with self._lock:
                found = loop()
                if found is not None and self._values.get(found, (None,))[0] is value:
                    del self._values[found]
            await self._close(value)


def _running() -> Any:
    try:
        return weakref.ref(asyncio.get_running_loop())
    except RuntimeError:  # another async library (trio): no shutdown hook to close it
        return current_token()


async def _close_at_shutdown(
    close: Callable[[T], Awaitable[object]], value: T
) -> AsyncGenerator[None, None]:
    """Park at ``yield``; when the event loop's shutdown closes it, close `value`."""
    try:
        yield
    finally:
        await close(value)


def _start(generator: AsyncGenerator[None, None]) -> None:
    """Run `generator` to its first ``yield`` (it awaits nothing before); this registers it
    with the running loop's async generator hooks."""
    with contextlib.suppress(StopIteration):
        generator.__anext__().send(None)
