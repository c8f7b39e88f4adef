"""RunnableBranch: the first branch whose condition holds runs; else the default."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from runnel._core.fold import Accumulator
from runnel._core.run import step_config
from runnel.runnables._config import RunnableConfig
from runnel.runnables._protocol import Runnable, coerce_to_runnable
from runnel.runnables._utils import aclosing, close

__all__ = ["RunnableBranch"]


class RunnableBranch(Runnable[Any, Any]):
    """`RunnableBranch((cond1, r1), (cond2, r2), default)`: run the first match."""

    def __init__(self, *branches: Any) -> None:
        if len(branches) < 2:
            raise ValueError(
                "RunnableBranch needs at least one (condition, runnable) and a default"
            )
        *pairs, default = branches
        self.branches: list[tuple[Runnable[Any, Any], Runnable[Any, Any]]] = []
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(
                    f"each branch must be a (condition, runnable) pair, got {type(pair).__name__}"
                )
            self.branches.append((coerce_to_runnable(pair[0]), coerce_to_runnable(pair[1])))
        self.default = coerce_to_runnable(default)
        self.name = None

    def _choose(self, input: Any, config: RunnableConfig) -> tuple[Runnable[Any, Any], str]:
        for index, (condition, runnable) in enumerate(self.branches):
            if condition.invoke(input, step_config(config, f"condition:{index + 1}")):
                return runnable, f"branch:{index + 1}"
        return self.default, "branch:default"

    async def _achoose(self, input: Any, config: RunnableConfig) -> tuple[Runnable[Any, Any], str]:
        for index, (condition, runnable) in enumerate(self.branches):
            if await condition.ainvoke(input, step_config(config, f"condition:{index + 1}")):
                return runnable, f"branch:{index + 1}"
        return self.default, "branch:default"

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        runnable, tag = self._choose(input, config)
        return runnable.invoke(input, step_config(config, tag), **kwargs)

    async def _ainvoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        runnable, tag = await self._achoose(input, config)
        return await runnable.ainvoke(input, step_config(config, tag), **kwargs)

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
        runnable, tag = self._choose(input, config)
        yield from runnable.stream(input, step_config(config, tag), **kwargs)

    async def _atransform(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[Any]:
        acc = Accumulator()
        async with aclosing(chunks):  # type: ignore[type-var]
            async for chunk in chunks:
                acc.add(chunk)
        input = acc.value()
        runnable, tag = await self._achoose(input, config)
        async with aclosing(runnable.astream(input, step_config(config, tag), **kwargs)) as it:  # type: ignore[type-var]
            async for chunk in it:
                yield chunk

    @property
    def config_specs(self) -> list[Any]:
        specs: list[Any] = []
        for pair in self.branches:
            for runnable in pair:
                specs.extend(s for s in runnable.config_specs if s not in specs)
        return specs
