"""The SDK clients of one model: a sync client, and an async client per event loop.

An async client's pooled connections belong to the event loop that opened them, so each
loop gets its own client. On asyncio the client is closed when its loop shuts down
(``asyncio.run`` and ``asyncio.Runner`` close the loop's async generators first: a
generator parked at its first ``yield`` closes the client then), so no connection
outlives its loop and nothing is left for the garbage collector to warn about.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncGenerator, Callable
from typing import Any

from anyio.lowlevel import current_token

__all__ = ["SdkClients"]


class SdkClients:
    """A model's SDK clients, made on first use.

    Args:
        make: Builds a client: ``make(False)`` a sync one, ``make(True)`` an async one.
    """

    __slots__ = ("_async", "_closer", "_loop", "_make", "_sync")

    def __init__(self, make: Callable[[bool], Any]) -> None:
        self._make = make
        self._sync: Any = None
        self._async: Any = None
        self._loop: Any = None  # the async client's event loop (a weak reference on asyncio)
        self._closer: AsyncGenerator[None, None] | None = None

    def sync(self) -> Any:
        """The sync client."""
        if self._sync is None:
            self._sync = self._make(False)
        return self._sync

    def async_(self) -> Any:
        """The async client of the running event loop."""
        try:
            loop: Any = weakref.ref(asyncio.get_running_loop())
        except RuntimeError:  # another async library (trio): no shutdown hook to close it
            loop = current_token()
        if self._async is None or self._loop != loop:
            self._async = self._make(True)
            self._loop = loop
            if isinstance(loop, weakref.ref):
                self._closer = _close_at_shutdown(self._async)
                _start(self._closer)
        return self._async

    def close(self) -> None:
        """Close the sync client (a later call makes a new one)."""
        client, self._sync = self._sync, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close both clients; the async one only if it belongs to the running loop."""
        self.close()
        client, closer, loop = self._async, self._closer, self._loop
        self._async = self._closer = self._loop = None
        if client is None:
            return
        try:
            running: Any = weakref.ref(asyncio.get_running_loop())
        except RuntimeError:
            running = current_token()
        if loop != running:
            return
        if closer is not None:
            await closer.aclose()  # closes the client
        else:
            await client.close()


async def _close_at_shutdown(client: Any) -> AsyncGenerator[None, None]:
    """Park at ``yield``; when the event loop's shutdown closes it, close `client`."""
    try:
        yield
    finally:
        await client.close()


def _start(generator: AsyncGenerator[None, None]) -> None:
    """Run `generator` to its first ``yield`` (nothing is awaited before it); this also
    registers it with the running loop's async generator hooks."""
    with contextlib.suppress(StopIteration):  # the generator reached its `yield`
        generator.__anext__().send(None)
