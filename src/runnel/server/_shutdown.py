"""A server-wide "shutting down" signal that open streams watch, on any event loop.

uvicorn tells an application nothing when it starts a graceful shutdown: it stops
accepting connections and waits for open responses to finish (forever by default), so
an endless stream would hold the process. `Shutdown` is set from uvicorn's exit signal
(`watch_exit_signals`, chained during the app's lifespan) or by hand (`trigger()`), and
every open stream then ends with a terminal event.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from types import FrameType
from typing import Any

__all__ = ["Shutdown", "lifespan_with_shutdown", "watch_exit_signals"]


class Shutdown:
    """A one-way flag that coroutines on any loop can wait for; `trigger()` is thread-safe."""

    __slots__ = ("_lock", "_set", "_waiters")

    def __init__(self) -> None:
        self._set = False
        self._lock = threading.Lock()
        self._waiters: set[asyncio.Future[None]] = set()

    @property
    def is_set(self) -> bool:
        """True once shutdown has begun."""
        return self._set

    def trigger(self) -> None:
        """Begin shutdown: wake every waiter (callable from any thread or a signal handler)."""
        with self._lock:
            self._set = True
            waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            loop = waiter.get_loop()
            with contextlib.suppress(RuntimeError):  # that loop is already closed
                loop.call_soon_threadsafe(_resolve, waiter)

    def reset(self) -> None:
        """Clear the flag (a server started again in the same process)."""
        with self._lock:
            self._set = False

    async def wait(self) -> None:
        """Return once shutdown has begun."""
        waiter = asyncio.get_running_loop().create_future()
        with self._lock:
            if self._set:
                return
            self._waiters.add(waiter)
        try:
            await waiter
        finally:
            with self._lock:
                self._waiters.discard(waiter)


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


_EXIT_SIGNALS = tuple(
    s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s
)


@contextlib.contextmanager
def watch_exit_signals(shutdown: Shutdown) -> Iterator[None]:
    """Trigger `shutdown` on SIGINT/SIGTERM, then call the handler that was there (uvicorn's).

    Only possible in the main thread (where uvicorn installs its handlers); elsewhere this
    does nothing. The previous handlers are restored on exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}
    for sig in _EXIT_SIGNALS:
        before = signal.getsignal(sig)
        previous[sig] = before
        signal.signal(sig, _chained(shutdown, before))
    try:
        yield
    finally:
        for sig, before in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, before)


def _chained(shutdown: Shutdown, before: Any) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        shutdown.trigger()
        if callable(before):
            before(signum, frame)
        elif before == signal.SIG_DFL and signum == signal.SIGINT:
            raise KeyboardInterrupt

    return handler


def lifespan_with_shutdown(
    lifespan: Callable[[Any], contextlib.AbstractAsyncContextManager[Any]], shutdown: Shutdown
) -> Callable[[Any], contextlib.AbstractAsyncContextManager[Any]]:
    """Wrap an app's lifespan so exit signals trigger `shutdown` while the app runs."""

    @contextlib.asynccontextmanager
    async def wrapped(app: Any) -> AsyncIterator[Any]:
        shutdown.reset()
        async with lifespan(app) as state:
            with watch_exit_signals(shutdown):
                yield state

    return wrapped
