"""RunnablePassthrough, RunnableAssign and RunnablePick: reshaping dict streams."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from functools import partial
from typing import Any

from runnel._core.fold import Accumulator, AddableDict
from runnel._core.run import step_config
from runnel.runnables._config import RunnableConfig
from runnel.runnables._parallel import RunnableParallel
from runnel.runnables._plumbing import run_in_context
from runnel.runnables._protocol import Runnable
from runnel.runnables._tee import AsyncTee, Tee
from runnel.runnables._utils import accepts_param, aclosing, call_target, close

__all__ = ["RunnableAssign", "RunnablePassthrough", "RunnablePick"]


class RunnablePassthrough(Runnable[Any, Any]):
    """Passes its input through unchanged, chunk by chunk.

    With `func` (or `afunc` for the async paths), also calls `func(input)` (or
    `func(input, config=config)`) with the whole input, for its effect. An async
    function given as `func` is used as `afunc`.
    """

    _sync_is_cheap = True

    def __init__(
        self,
        func: Callable[..., Any] | None = None,
        afunc: Callable[..., Awaitable[Any]] | None = None,
        *,
        name: str | None = None,
    ) -> None:
        if func is not None and inspect.iscoroutinefunction(call_target(func)):
            if afunc is not None:
                raise TypeError("func is async: pass the sync version as func, async as afunc")
            func, afunc = None, func
        self.func = func
        self.afunc = afunc
        self.name = name
        self._takes_config = {f: accepts_param(f, "config") for f in (func, afunc) if f}

    def __repr__(self) -> str:
        return "RunnablePassthrough()"

    @classmethod
    def assign(cls, **kwargs: Any) -> RunnableAssign:  # type: ignore[override]
        """A step that passes a dict through and adds keys computed from it."""
        return RunnableAssign(RunnableParallel(kwargs))

    def _call(self, func: Callable[..., Any], value: Any, config: RunnableConfig) -> Any:
        if self._takes_config[func]:
            return run_in_context(config, partial(func, config=config), value)
        return run_in_context(config, func, value)

    def _sync_func(self) -> Callable[..., Any] | None:
        if self.func is None and self.afunc is not None:
            raise TypeError(f"{self.get_name()} only has an async function: use ainvoke/astream")
        return self.func

    async def _acall(self, value: Any, config: RunnableConfig) -> None:
        if self.afunc is not None:
            await self._call(self.afunc, value, config)
        elif self.func is not None:
            result = self._call(self.func, value, config)
            if inspect.isawaitable(result):
                await result

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        func = self._sync_func()
        if func is not None:
            self._call(func, input, config)
        return input

    async def _ainvoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        await self._acall(input, config)
        return input

    def _transform(
        self, chunks: Iterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> Iterator[Any]:
        func = self._sync_func()
        acc = Accumulator()
        try:
            for chunk in chunks:
                if func is not None:
                    acc.add(chunk)
                yield chunk
        finally:
            close(chunks)
        if func is not None and not acc.empty:
            self._call(func, acc.value(), config)

    async def _atransform(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[Any]:
        calls = self.func is not None or self.afunc is not None
        acc = Accumulator()
        async with aclosing(chunks):  # type: ignore[type-var]
            async for chunk in chunks:
                if calls:
                    acc.add(chunk)
                yield chunk
        if calls and not acc.empty:
            await self._acall(acc.value(), config)


class RunnableAssign(Runnable[dict[str, Any], dict[str, Any]]):
    """Passes a dict through and adds the keys its mapper computes from it.

    Streamed, the input keys come out at once and the new keys as they are produced.
    """

    _sync_is_cheap = True

    def __init__(self, mapper: RunnableParallel | Mapping[str, Any]) -> None:
        self.mapper = mapper if isinstance(mapper, RunnableParallel) else RunnableParallel(mapper)
        self.name = None

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        base = name or self.name or f"RunnableAssign<{','.join(self.mapper.steps__)}>"
        return super().get_name(suffix, name=base)

    def __repr__(self) -> str:
        return f"RunnableAssign(mapper={self.mapper!r})"

    @staticmethod
    def _check(input: Any) -> Mapping[str, Any]:
        if not isinstance(input, Mapping):
            raise TypeError(
                f"RunnablePassthrough.assign needs a dict input, got {type(input).__name__}"
            )
        return input

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> dict[str, Any]:
        base = self._check(input)
        return {**base, **self.mapper.invoke(base, step_config(config, ""))}

    async def _ainvoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> dict[str, Any]:
        base = self._check(input)
        return {**base, **await self.mapper.ainvoke(base, step_config(config, ""))}

    def _transform(
        self, chunks: Iterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> Iterator[Any]:
        keys = set(self.mapper.steps__)
        tee = Tee(chunks, 2)
        passthrough, to_mapper = tee.branches
        mapped = self.mapper.transform(to_mapper, step_config(config, ""))
        try:
            for chunk in passthrough:
                self._check(chunk)
                kept = AddableDict({k: v for k, v in chunk.items() if k not in keys})
                if kept:
                    yield kept
            yield from mapped
        finally:
            close(mapped)
            close(to_mapper)  # the mapper may never have started reading it
            close(passthrough)

    async def _atransform(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[Any]:
        keys = set(self.mapper.steps__)
        tee = AsyncTee(chunks, 2)
        passthrough, to_mapper = tee.branches
        mapped = self.mapper.atransform(to_mapper, step_config(config, ""))
        # The mapper may never have started reading `to_mapper`: close it too.
        async with aclosing(to_mapper), aclosing(mapped), aclosing(passthrough):  # type: ignore[type-var]
            async for chunk in passthrough:
                self._check(chunk)
                kept = AddableDict({k: v for k, v in chunk.items() if k not in keys})
                if kept:
                    yield kept
            async for chunk in mapped:
                yield chunk


class RunnablePick(Runnable[dict[str, Any], Any]):
    """Picks one key (its value) or several keys (a dict) from a dict input."""

    _sync_is_cheap = True

    def __init__(self, keys: str | list[str], name: str | None = None) -> None:
        self.keys = keys
        self.name = name

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        keys = self.keys if isinstance(self.keys, str) else ",".join(self.keys)
        return super().get_name(suffix, name=name or self.name or f"RunnablePick<{keys}>")

    def _pick(self, value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise TypeError(f"RunnablePick needs a dict input, got {type(value).__name__}")
        if isinstance(self.keys, str):
            return value.get(self.keys)
        picked = AddableDict({k: value[k] for k in self.keys if k in value})
        return picked or None

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        return self._pick(input)

    def _transform(
        self, chunks: Iterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> Iterator[Any]:
        try:
            for chunk in chunks:
                picked = self._pick(chunk)
                if picked is not None:
                    yield picked
        finally:
            close(chunks)

    async def _atransform(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[Any]:
        async with aclosing(chunks):  # type: ignore[type-var]
            async for chunk in chunks:
                picked = self._pick(chunk)
                if picked is not None:
                    yield picked
