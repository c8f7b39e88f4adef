"""FunctionTool: the shared base of tools that call a user's function and/or coroutine."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from runnel.callbacks.manager import AsyncRunManager, RunManager
from runnel.runnables._config import RunnableConfig
from runnel.tools._base import ArgsSchema, BaseTool, injected_kwargs

__all__ = ["FunctionTool"]


class FunctionTool(BaseTool):
    """A tool calling `func` (sync) and/or `coroutine` (async).

    The function may declare `callbacks`, `run_manager` and `config`; they are filled
    in. Under `ainvoke` a sync-only tool runs in a worker thread; an async-only tool
    cannot be invoked synchronously.

    Attributes:
        func: The sync implementation.
        coroutine: The async implementation.
    """

    func: Callable[..., Any] | None = None
    coroutine: Callable[..., Awaitable[Any]] | None = None

    def _input_schema(self) -> ArgsSchema | None:
        return self.args_schema  # None: arguments passed through as given

    def _run(
        self,
        *args: Any,
        config: RunnableConfig,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Any:
        if self.func is None:
            raise TypeError(
                f"tool {self.name!r} only has an async implementation: use ainvoke/astream, "
                "or give it a sync `func`"
            )
        return self.func(*args, **kwargs, **injected_kwargs(self.func, run_manager, config))

    async def _arun(
        self,
        *args: Any,
        config: RunnableConfig,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> Any:
        if self.coroutine is None:
            return await self._run_in_thread(args, kwargs, config)
        injected = injected_kwargs(self.coroutine, run_manager, config)
        return await self.coroutine(*args, **kwargs, **injected)
