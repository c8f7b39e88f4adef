"""RunnableRetry: retry on chosen exceptions with exponential back-off and jitter."""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio

from runnel._core.run import step_config
from runnel.runnables._binding import RunnableBinding
from runnel.runnables._config import RunnableConfig, ensure_config
from runnel.runnables._protocol import Runnable
from runnel.runnables._recovery import (
    AsyncReplay,
    Replay,
    arecover_stream,
    recover_stream,
)
from runnel.runnables._utils import aclosing

__all__ = ["RunnableRetry"]


class RunnableRetry(RunnableBinding):
    """Retries `bound` up to `max_attempt_number` times on `retry_exception_types`.

    Waits `initial * exp_base**(attempt-1)` seconds (capped at `max`) plus up to
    `jitter` seconds between attempts. Attempts after the first are tagged
    `retry:attempt:N`. Streams are retried until their first chunk; a retryable
    failure after it raises `StreamInterrupted` carrying the partial output.
    """

    def __init__(
        self,
        *,
        bound: Runnable[Any, Any],
        retry_exception_types: tuple[type[BaseException], ...] = (Exception,),
        wait_exponential_jitter: bool = True,
        exponential_jitter_params: dict[str, float] | None = None,
        max_attempt_number: int = 3,
        kwargs: dict[str, Any] | None = None,
        config: RunnableConfig | None = None,
    ) -> None:
        if max_attempt_number < 1:
            raise ValueError(f"stop_after_attempt must be >= 1, got {max_attempt_number}")
        super().__init__(bound=bound, kwargs=kwargs, config=config)
        self.retry_exception_types = retry_exception_types
        self.wait_exponential_jitter = wait_exponential_jitter
        self.exponential_jitter_params = exponential_jitter_params or {}
        self.max_attempt_number = max_attempt_number

    def _delay(self, attempt: int) -> float:
        if not self.wait_exponential_jitter:
            return 0.0
        p = self.exponential_jitter_params
        initial, exp_base = p.get("initial", 1.0), p.get("exp_base", 2.0)
        cap, jitter = p.get("max", 60.0), p.get("jitter", 1.0)
        return min(initial * exp_base ** (attempt - 1), cap) + random.uniform(0, jitter)

    def _retryable(self, exc: BaseException, attempt: int) -> bool:
        return isinstance(exc, self.retry_exception_types) and attempt < self.max_attempt_number

    def _on_failure(self, exc: Exception, attempt: int) -> bool:
        if not self._retryable(exc, attempt):
            return False
        time.sleep(self._delay(attempt))
        return True

    async def _aon_failure(self, exc: Exception, attempt: int) -> bool:
        if not self._retryable(exc, attempt):
            return False
        await anyio.sleep(self._delay(attempt))
        return True

    def _attempt_config(self, config: RunnableConfig | None, attempt: int) -> RunnableConfig:
        merged = ensure_config(self._merge(config))
        return merged if attempt == 1 else step_config(merged, f"retry:attempt:{attempt}")

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        kw = {**self.kwargs, **kwargs}
        attempt = 1
        while True:
            try:
                return self.bound.invoke(input, self._attempt_config(config, attempt), **kw)
            except Exception as exc:
                if not self._on_failure(exc, attempt):
                    raise
            attempt += 1

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        kw = {**self.kwargs, **kwargs}
        attempt = 1
        while True:
            try:
                return await self.bound.ainvoke(input, self._attempt_config(config, attempt), **kw)
            except Exception as exc:
                if not await self._aon_failure(exc, attempt):
                    raise
            attempt += 1

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        kw = {**self.kwargs, **kwargs}
        return recover_stream(
            lambda n: self.bound.stream(input, self._attempt_config(config, n), **kw),
            self._on_failure,
        )

    def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        kw = {**self.kwargs, **kwargs}
        return arecover_stream(
            lambda n: self.bound.astream(input, self._attempt_config(config, n), **kw),
            self._aon_failure,
        )

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        kw = {**self.kwargs, **kwargs}
        replay = Replay(input)
        try:
            yield from recover_stream(
                lambda n: self.bound.transform(replay(n), self._attempt_config(config, n), **kw),
                self._on_failure,
            )
        finally:
            replay.close()

    async def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        kw = {**self.kwargs, **kwargs}
        replay = AsyncReplay(input)
        try:
            async with aclosing(  # type: ignore[type-var]
                arecover_stream(
                    lambda n: self.bound.atransform(
                        replay(n), self._attempt_config(config, n), **kw
                    ),
                    self._aon_failure,
                )
            ) as chunks:
                async for chunk in chunks:
                    yield chunk
        finally:
            await replay.aclose()
