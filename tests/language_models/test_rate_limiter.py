"""InMemoryRateLimiter: a token bucket, checked on a fake clock (no timing)."""

from __future__ import annotations

import pytest

from runnel.caches import InMemoryCache
from runnel.rate_limiters import BaseRateLimiter, InMemoryRateLimiter

from .conftest import Path, token_model

pytestmark = pytest.mark.anyio


class FakeClockLimiter(InMemoryRateLimiter):
    """A limiter whose clock is `now`; each read advances it by `tick` seconds."""

    def __init__(self, tick: float = 0.0, **kwargs: float) -> None:
        super().__init__(**kwargs)
        self.now = 0.0
        self.tick = tick
        self.reads = 0

    def _now(self) -> float:
        self.reads += 1
        self.now += self.tick
        return self.now


def test_the_bucket_starts_empty_and_fills_with_time() -> None:
    limiter = FakeClockLimiter(requests_per_second=2, max_bucket_size=2)
    assert limiter.acquire(blocking=False) is False  # t=0: empty
    limiter.now = 0.4
    assert limiter.acquire(blocking=False) is False  # 0.8 of a request: not yet
    limiter.now = 1.0
    assert [limiter.acquire(blocking=False) for _ in range(3)] == [True, True, False]
    limiter.now = 100.0  # a long quiet spell fills the bucket to its size only
    assert [limiter.acquire(blocking=False) for _ in range(3)] == [True, True, False]


async def test_blocking_acquire_waits_for_the_next_request() -> None:
    # Each clock read moves 0.25 s on; at 1 request per second a blocked caller checks the
    # bucket four times per request (plus the first read, which starts the clock).
    limiter = FakeClockLimiter(tick=0.25, requests_per_second=1, check_every_n_seconds=1e-6)
    assert limiter.acquire() is True
    assert limiter.reads == 5
    limiter.reads = 0
    assert await limiter.aacquire() is True
    assert limiter.reads == 4


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="requests_per_second"):
        InMemoryRateLimiter(requests_per_second=0)
    with pytest.raises(ValueError, match="max_bucket_size"):
        InMemoryRateLimiter(max_bucket_size=0.5)


class Counter(BaseRateLimiter):
    """Allows everything and counts the requests."""

    def __init__(self) -> None:
        self.count = 0

    def acquire(self, *, blocking: bool = True) -> bool:
        self.count += 1
        return True

    async def aacquire(self, *, blocking: bool = True) -> bool:
        self.count += 1
        return True


async def test_a_model_acquires_once_per_provider_request(path: Path) -> None:
    limiter = Counter()
    model = token_model(["a", "b"])
    model.rate_limiter = limiter
    await path.invoke(model, "x")
    await path.stream(model, "x")
    await path.batch(model, ["x", "y", "z"])
    assert limiter.count == 5


async def test_cache_hits_do_not_wait_for_the_limiter(path: Path) -> None:
    limiter = Counter()
    model = token_model(["a"], chat=False)
    model.rate_limiter = limiter
    model.cache = InMemoryCache()
    for _ in range(3):
        await path.invoke(model, "same")
    assert limiter.count == 1


async def test_a_model_is_bounded_by_the_bucket(path: Path) -> None:
    # Three requests with a bucket holding two and a stopped clock: two go, one waits.
    limiter = FakeClockLimiter(requests_per_second=2, max_bucket_size=2)
    assert limiter.acquire(blocking=False) is False  # t=0: the clock starts, empty bucket
    limiter.now = 1.0
    model = token_model(["a"])
    model.rate_limiter = limiter
    await path.invoke(model, "x")
    await path.invoke(model, "x")
    assert limiter.acquire(blocking=False) is False
