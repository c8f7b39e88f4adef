"""RunnableWithFallbacks: try a runnable, then each fallback in turn on failure."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from runnel.runnables._config import RunnableConfig
from runnel.runnables._protocol import Runnable
from runnel.runnables._recovery import (
    AsyncReplay,
    Replay,
    arecover_stream,
    recover_stream,
)

__all__ = ["RunnableWithFallbacks"]


class RunnableWithFallbacks(Runnable[Any, Any]):
    """Runs `runnable`; on an exception in `exceptions_to_handle`, the next fallback.

    With `exception_key`, the input must be a dict and each later attempt gets the
    previous exception under that key. Streams fall back until their first chunk; a
    handled failure after it raises `StreamInterrupted` carrying the partial output.
    """

    def __init__(
        self,
        runnable: Runnable[Any, Any],
        fallbacks: Sequence[Runnable[Any, Any]],
        *,
        exceptions_to_handle: tuple[type[BaseException], ...] = (Exception,),
        exception_key: str | None = None,
    ) -> None:
        self.runnable = runnable
        self.fallbacks = list(fallbacks)
        self.exceptions_to_handle = exceptions_to_handle
        self.exception_key = exception_key
        self.name = None

    @property
    def runnables(self) -> list[Runnable[Any, Any]]:
        """The runnable, then its fallbacks."""
        return [self.runnable, *self.fallbacks]

    @property
    def InputType(self) -> Any:  # noqa: N802
        return self.runnable.InputType

    @property
    def OutputType(self) -> Any:  # noqa: N802
        return self.runnable.OutputType

    def _input_for(self, input: Any, error: BaseException | None) -> Any:
        if self.exception_key is None or error is None:
            return input
        if not isinstance(input, dict):
            raise TypeError(
                f"with exception_key={self.exception_key!r} the input must be a dict, "
                f"got {type(input).__name__}"
            )
        return {**input, self.exception_key: error}

    def _handles(self, exc: BaseException, attempt: int) -> bool:
        return isinstance(exc, self.exceptions_to_handle) and attempt < len(self.runnables)

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        error: BaseException | None = None
        for attempt, runnable in enumerate(self.runnables, 1):
            try:
                return runnable.invoke(self._input_for(input, error), config, **kwargs)
            except Exception as exc:
                if not self._handles(exc, attempt):
                    raise
                error = exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _ainvoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        error: BaseException | None = None
        for attempt, runnable in enumerate(self.runnables, 1):
            try:
                return await runnable.ainvoke(self._input_for(input, error), config, **kwargs)
            except Exception as exc:
                if not self._handles(exc, attempt):
                    raise
                error = exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _transform(
        self, chunks: Iterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> Iterator[Any]:
        replay = Replay(chunks)
        errors: list[Exception] = []

        def open_attempt(attempt: int) -> Iterator[Any]:
            runnable = self.runnables[attempt - 1]
            if self.exception_key is None or not errors:
                return runnable.transform(replay(attempt), config, **kwargs)
            return runnable.stream(
                self._input_for(_fold(replay(attempt)), errors[-1]), config, **kwargs
            )

        def on_failure(exc: Exception, attempt: int) -> bool:
            errors.append(exc)
            return self._handles(exc, attempt)

        try:
            yield from recover_stream(open_attempt, on_failure)
        finally:
            replay.close()

    async def _atransform(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[Any]:
        replay = AsyncReplay(chunks)
        errors: list[Exception] = []

        async def folded(attempt: int) -> AsyncIterator[Any]:
            value = await _afold(replay(attempt))
            async for chunk in runnable_for(attempt).astream(
                self._input_for(value, errors[-1]), config, **kwargs
            ):
                yield chunk

        def runnable_for(attempt: int) -> Runnable[Any, Any]:
            return self.runnables[attempt - 1]

        def open_attempt(attempt: int) -> AsyncIterator[Any]:
            if self.exception_key is None or not errors:
                return runnable_for(attempt).atransform(replay(attempt), config, **kwargs)
            return folded(attempt)

        async def on_failure(exc: Exception, attempt: int) -> bool:
            errors.append(exc)
            return self._handles(exc, attempt)

        try:
            async for chunk in arecover_stream(open_attempt, on_failure):
                yield chunk
        finally:
            await replay.aclose()


def _fold(chunks: Iterator[Any]) -> Any:
    from runnel._core.fold import add_chunks

    return add_chunks(list(chunks))


async def _afold(chunks: AsyncIterator[Any]) -> Any:
    from runnel._core.fold import add_chunks

    return add_chunks([chunk async for chunk in chunks])
