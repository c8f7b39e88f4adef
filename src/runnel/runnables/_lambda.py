"""RunnableLambda: a plain or async function as a runnable; the `chain` decorator."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, get_type_hints

import anyio.to_thread

from runnel._core.fold import Accumulator
from runnel.exceptions import RecursionLimitError
from runnel.runnables._config import RunnableConfig, child_config_var
from runnel.runnables._protocol import Runnable
from runnel.runnables._utils import accepts_param, aclosing, call_target, close

__all__ = ["RunnableLambda", "chain"]


class RunnableLambda(Runnable[Any, Any]):
    """Runs a function on the whole input (chunks of a stream are added up first).

    The function may be sync or async, may take `config` as a keyword parameter,
    may be a generator (its items stream out), and may return a runnable, which is
    then invoked on the same input. Runnables invoked inside it become child runs.
    """

    def __init__(
        self,
        func: Callable[..., Any],
        afunc: Callable[..., Any] | None = None,
        name: str | None = None,
    ) -> None:
        if not callable(func):
            raise TypeError(f"RunnableLambda needs a callable, got {type(func).__name__}")
        self.func: Callable[..., Any] | None
        self.afunc: Callable[..., Any] | None
        target = call_target(func)
        if inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target):
            if afunc is not None:
                raise TypeError("func is async: pass the sync version as func, async as afunc")
            self.func = None
            self.afunc = func
        else:
            self.func = func
            self.afunc = afunc
        main = self.func or self.afunc
        assert main is not None
        if name is None:
            fn_name = getattr(main, "__name__", None)
            name = fn_name if fn_name and fn_name != "<lambda>" else None
        self.name = name
        self._takes_config = {
            f: accepts_param(f, "config") for f in (self.func, self.afunc) if f is not None
        }

    def __repr__(self) -> str:
        return f"RunnableLambda({self.name or 'lambda'})"

    @property
    def InputType(self) -> Any:
        func = self.func or self.afunc
        try:
            params = list(inspect.signature(func).parameters.values())  # type: ignore[arg-type]
            hints = get_type_hints(func)
        except Exception:
            return Any
        if params and params[0].name in hints:
            return hints[params[0].name]
        return Any

    @property
    def OutputType(self) -> Any:
        try:
            return get_type_hints(self.func or self.afunc).get("return", Any)
        except Exception:
            return Any

    # -- calling the function --------------------------------------------------------
    def _call(self, func: Callable[..., Any], input: Any, config: RunnableConfig) -> Any:
        token = child_config_var.set(config)
        try:
            if self._takes_config[func]:
                return func(input, config=config)
            return func(input)
        finally:
            child_config_var.reset(token)

    async def _acall(self, func: Callable[..., Any], input: Any, config: RunnableConfig) -> Any:
        token = child_config_var.set(config)
        try:
            if self._takes_config[func]:
                return await func(input, config=config)
            return await func(input)
        finally:
            child_config_var.reset(token)

    def _follow(self, output: Any, input: Any, config: RunnableConfig) -> Any:
        """If the function returned a runnable, the config to invoke it with."""
        limit = config.get("recursion_limit", 25)
        if limit <= 0:
            raise RecursionLimitError(
                f"Recursion limit reached when invoking {self!r} with input {input!r}; "
                "raise config['recursion_limit'] if this depth is intended"
            )
        return {**config, "recursion_limit": limit - 1}

    def _sync_func(self) -> Callable[..., Any]:
        if self.func is None:
            raise TypeError(f"{self.get_name()} is an async function: use ainvoke/astream instead")
        return self.func

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        func = self._sync_func()
        if inspect.isgeneratorfunction(call_target(func)):
            acc = Accumulator()
            for chunk in self._call(func, input, config):
                acc.add(chunk)
            output = acc.value()
        else:
            output = self._call(func, input, config)
        if isinstance(output, Runnable):
            return output.invoke(input, self._follow(output, input, config))
        return output

    async def _ainvoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        if self.afunc is None:
            func = self._sync_func()
            if inspect.isgeneratorfunction(call_target(func)):
                output = await anyio.to_thread.run_sync(self._invoke, input, config)
                return output
            output = await anyio.to_thread.run_sync(self._call, func, input, config)
        elif inspect.isasyncgenfunction(call_target(self.afunc)):
            acc = Accumulator()
            async with aclosing(self._call(self.afunc, input, config)) as gen:
                async for chunk in gen:
                    acc.add(chunk)
            output = acc.value()
        else:
            output = await self._acall(self.afunc, input, config)
        if isinstance(output, Runnable):
            return await output.ainvoke(input, self._follow(output, input, config))
        return output

    def _transform(
        self, chunks: Iterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> Iterator[Any]:
        acc = Accumulator()
        try:
            for chunk in chunks:
                acc.add(chunk)
        finally:
            close(chunks)
        input = acc.value()
        func = self._sync_func()
        if not inspect.isgeneratorfunction(call_target(func)):
            output = self._call(func, input, config)
            if isinstance(output, Runnable):
                yield from output.stream(input, self._follow(output, input, config))
            else:
                yield output
            return
        gen = self._call(func, input, config)
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

    async def _atransform(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[Any]:
        acc = Accumulator()
        async with aclosing(chunks):  # type: ignore[type-var]
            async for chunk in chunks:
                acc.add(chunk)
        input = acc.value()
        if self.afunc is None or not inspect.isasyncgenfunction(call_target(self.afunc)):
            if self.afunc is None and inspect.isgeneratorfunction(call_target(self._sync_func())):
                from runnel.runnables._utils import aiter_sync

                async with aclosing(aiter_sync(self._transform(iter((input,)), config))) as it:  # type: ignore[type-var]
                    async for chunk in it:
                        yield chunk
                return
            output = await self._ainvoke_plain(input, config)
            if isinstance(output, Runnable):
                cfg = self._follow(output, input, config)
                async with aclosing(output.astream(input, cfg)) as it:  # type: ignore[type-var]
                    async for chunk in it:
                        yield chunk
            else:
                yield output
            return
        gen = self._call(self.afunc, input, config)
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

    async def _ainvoke_plain(self, input: Any, config: RunnableConfig) -> Any:
        if self.afunc is None:
            return await anyio.to_thread.run_sync(self._call, self._sync_func(), input, config)
        return await self._acall(self.afunc, input, config)


def chain(func: Callable[..., Any]) -> RunnableLambda:
    """Decorator: make a function a runnable named after it."""
    return RunnableLambda(func)
