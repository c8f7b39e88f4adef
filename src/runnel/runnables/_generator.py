"""RunnableGenerator: a generator function that transforms an input stream."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from runnel.runnables._config import RunnableConfig, child_config_var
from runnel.runnables._plumbing import sync_transform_in_thread
from runnel.runnables._protocol import Runnable
from runnel.runnables._utils import accepts_param, aclosing, call_target, close

__all__ = ["RunnableGenerator"]


class RunnableGenerator(Runnable[Any, Any]):
    """Wraps a generator function that receives the input *stream* and yields output.

    Such a step keeps a chain streaming. A generator function placed in a chain
    becomes one of these. A sync generator also runs under `astream` (in a worker
    thread); an async generator only under the async methods.
    """

    def __init__(
        self,
        transform: Callable[..., Any],
        atransform: Callable[..., Any] | None = None,
        *,
        name: str | None = None,
    ) -> None:
        if inspect.isasyncgenfunction(call_target(transform)):
            if atransform is not None:
                raise TypeError("transform is async: pass the sync version first")
            self._func: Callable[..., Any] | None = None
            self._afunc: Callable[..., Any] | None = transform
        elif inspect.isgeneratorfunction(transform) or callable(transform):
            self._func = transform
            self._afunc = atransform
        else:
            raise TypeError(
                f"RunnableGenerator needs a generator function, got {type(transform).__name__}"
            )
        main = self._func or self._afunc
        self.name = name or getattr(main, "__name__", None)
        self._takes_config = {
            f: accepts_param(f, "config") for f in (self._func, self._afunc) if f is not None
        }

    def __repr__(self) -> str:
        return f"RunnableGenerator({self.name})"

    def _open(self, func: Callable[..., Any], chunks: Any, config: RunnableConfig) -> Any:
        if self._takes_config[func]:
            return func(chunks, config=config)
        return func(chunks)

    def _transform(
        self, chunks: Iterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> Iterator[Any]:
        if self._func is None:
            raise TypeError(f"{self.get_name()} is an async generator: use astream/ainvoke instead")
        gen = self._open(self._func, chunks, config)
        try:
            while True:
                token = child_config_var.set(config)
                try:
                    chunk = next(gen)
                except StopIteration:
                    return
                finally:
                    child_config_var.reset(token)
                yield chunk
        finally:
            close(gen)
            close(chunks)

    async def _atransform(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[Any]:
        if self._afunc is None:
            # A sync generator under astream: run it in worker threads.
            async with aclosing(  # type: ignore[type-var]
                sync_transform_in_thread(lambda it: self._transform(it, config), chunks)
            ) as out:
                async for chunk in out:
                    yield chunk
            return
        async with aclosing(chunks):  # type: ignore[type-var]
            gen = self._open(self._afunc, chunks, config)
            async with aclosing(gen):
                while True:
                    token = child_config_var.set(config)
                    try:
                        chunk = await anext(gen)
                    except StopAsyncIteration:
                        return
                    finally:
                        child_config_var.reset(token)
                    yield chunk
