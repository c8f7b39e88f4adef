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
from runnel.runnables._utils import aclosing

__all__ = ["RunnableWithFallbacks"]


class RunnableWithFallbacks(Runnable[Any, Any]):
    """Runs `runnable`; on an exception in `exceptions_to_handle`, the next fallback.

    With `exception_key`, the input must be a dict and each later attempt gets the
    previous exception under that key. When every one fails, the first error is
    raised. Streams fall back until their first chunk; a handled failure after it
    raises `StreamInterrupted` carrying the partial output.
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
    def InputType(self) -> Any:
        return self.runnable.InputType

    @property
    def OutputType(self) -> Any:
        return self.runnable.OutputType

    def _check_input(self, input: Any) -> None:
        if self.exception_key is not None and not isinstance(input, dict):
            raise _NotADictError(
                f"with exception_key={self.exception_key!r} the input must be a dict, "
                f"got {type(input).__name__}"
            )

    def _input_for(self, input: Any, errors: list[Exception]) -> Any:
        if self.exception_key is None or not errors:
            return input
        self._check_input(input)
        return {**input, self.exception_key: errors[-1]}

    def _handled(self, exc: BaseException) -> bool:
        return isinstance(exc, self.exceptions_to_handle) and not isinstance(exc, _NotADictError)

    def _handles(self, exc: BaseException, attempt: int) -> bool:
        return self._handled(exc) and attempt < len(self.runnables)

    def _all_failed(self, exc: BaseException, errors: list[Exception]) -> bool:
        """True when `exc` is the last runnable's handled failure (raise the first one)."""
        return len(errors) == len(self.runnables) and exc is errors[-1] and self._handled(exc)

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        self._check_input(input)
        errors: list[Exception] = []
        for runnable in self.runnables:
            try:
                return runnable.invoke(self._input_for(input, errors), config, **kwargs)
            except Exception as exc:
                if not self._handled(exc):
                    raise
                errors.append(exc)
        raise errors[0]

    async def _ainvoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        self._check_input(input)
        errors: list[Exception] = []
        for runnable in self.runnables:
            try:
                return await runnable.ainvoke(self._input_for(input, errors), config, **kwargs)
            except Exception as exc:
                if not self._handled(exc):
                    raise
                errors.append(exc)
        raise errors[0]

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
                self._input_for(_fold(replay(attempt)), errors), config, **kwargs
            )

        def on_failure(exc: Exception, attempt: int) -> bool:
            errors.append(exc)
            return self._handles(exc, attempt)

        delivered = False
        try:
            for chunk in recover_stream(open_attempt, on_failure):
                delivered = True
                yield chunk
            return
        except Exception as exc:
            if delivered or not self._all_failed(exc, errors):
                raise
        finally:
            replay.close()
        raise errors[0]

    async def _atransform(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[Any]:
        replay = AsyncReplay(chunks)
        errors: list[Exception] = []

        async def folded(attempt: int) -> AsyncIterator[Any]:
            value = await _afold(replay(attempt))
            stream = runnable_for(attempt).astream(self._input_for(value, errors), config, **kwargs)
            async with aclosing(stream) as chunks:  # type: ignore[type-var]
                async for chunk in chunks:
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

        delivered = False
        try:
            async with aclosing(arecover_stream(open_attempt, on_failure)) as chunks:  # type: ignore[type-var]
                async for chunk in chunks:
                    delivered = True
                    yield chunk
            return
        except Exception as exc:
            if delivered or not self._all_failed(exc, errors):
                raise
        finally:
            await replay.aclose()
        raise errors[0]


class _NotADictError(TypeError):
    """The input cannot carry the exception under `exception_key` (never handled)."""


def _fold(chunks: Iterator[Any]) -> Any:
    from runnel._core.fold import add_chunks

    return add_chunks(list(chunks))


async def _afold(chunks: AsyncIterator[Any]) -> Any:
    from runnel._core.fold import add_chunks

    return add_chunks([chunk async for chunk in chunks])
