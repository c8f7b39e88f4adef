"""Rate limiters: how often a model may call its provider (`langchain_core.rate_limiters`)."""

from __future__ import annotations

import abc
import threading
import time

import anyio

__all__ = ["BaseRateLimiter", "InMemoryRateLimiter"]


class BaseRateLimiter(abc.ABC):
    """Decides when a model may send its next request.

    A model with `rate_limiter=` calls `acquire` (or `aacquire`) once per request to its
    provider, after a cache miss and before the request.
    """

    @abc.abstractmethod
    def acquire(self, *, blocking: bool = True) -> bool:
        """Take the right to send one request.

        Args:
            blocking: Wait until allowed; else return at once.

        Returns:
            True if the request may go now (always True when blocking).
        """

    @abc.abstractmethod
    async def aacquire(self, *, blocking: bool = True) -> bool:
        """Async twin of `acquire`: waits without blocking the event loop."""


class InMemoryRateLimiter(BaseRateLimiter):
    """A token bucket in memory: at most `requests_per_second` on average, thread-safe.

    The bucket starts empty and fills at `requests_per_second`, up to `max_bucket_size`
    requests (the largest burst allowed after a quiet spell). A waiting caller checks it
    again every `check_every_n_seconds`. It limits requests, not tokens, and only within
    this process.

    Args:
        requests_per_second: Average number of requests allowed per second.
        check_every_n_seconds: How often a blocked caller checks the bucket again.
        max_bucket_size: How many requests may accumulate while no one asks.

    Raises:
        ValueError: a rate, interval or bucket size that is not positive.
    """

    def __init__(
        self,
        *,
        requests_per_second: float = 1,
        check_every_n_seconds: float = 0.1,
        max_bucket_size: float = 1,
    ) -> None:
        if requests_per_second <= 0:
            raise ValueError(f"requests_per_second must be > 0, got {requests_per_second}")
        if check_every_n_seconds <= 0:
            raise ValueError(f"check_every_n_seconds must be > 0, got {check_every_n_seconds}")
        if max_bucket_size < 1:
            raise ValueError(f"max_bucket_size must be >= 1, got {max_bucket_size}")
        self.requests_per_second = requests_per_second
        self.check_every_n_seconds = check_every_n_seconds
        self.max_bucket_size = max_bucket_size
        self.available_tokens = 0.0
        self._last: float | None = None
        self._lock = threading.Lock()

    def _now(self) -> float:
        """The clock the bucket fills by (monotonic seconds)."""
        return time.monotonic()

    def _consume(self) -> bool:
        """Refill the bucket for the time elapsed, then take one request if there is one."""
        with self._lock:
            now = self._now()
            if self._last is None:
                self._last = now
            elapsed = now - self._last
            if elapsed * self.requests_per_second >= 1:
                self.available_tokens = min(
                    self.available_tokens + elapsed * self.requests_per_second,
                    self.max_bucket_size,
                )
                self._last = now
            if self.available_tokens >= 1:
                self.available_tokens -= 1
                return True
            return False

    def acquire(self, *, blocking: bool = True) -> bool:
        """Take one request from the bucket, sleeping between checks if `blocking`."""
        if not blocking:
            return self._consume()
        while not self._consume():
            time.sleep(self.check_every_n_seconds)
        return True

    async def aacquire(self, *, blocking: bool = True) -> bool:
        """Async twin of `acquire`: sleeps with `anyio.sleep`."""
        if not blocking:
            return self._consume()
        while not self._consume():  # noqa: ASYNC110 - the bucket fills with time, not an event
            await anyio.sleep(self.check_every_n_seconds)
        return True
