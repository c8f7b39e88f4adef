"""RunnableBinding: a runnable with bound keyword arguments, config or listeners."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, cast

from runnel._core.run import Listener, Run
from runnel.runnables._config import RunnableConfig, merge_configs
from runnel.runnables._protocol import Runnable
from runnel.runnables._utils import accepts_param

__all__ = ["RunListener", "RunnableBinding"]


class RunnableBinding(Runnable[Any, Any]):
    """Delegates to `bound`, adding `kwargs` to every call and merging `config` in.

    A binding has no run of its own: events and callbacks show the bound runnable.
    """

    def __init__(
        self,
        *,
        bound: Runnable[Any, Any],
        kwargs: Mapping[str, Any] | None = None,
        config: RunnableConfig | None = None,
    ) -> None:
        self.bound = bound
        self.kwargs = dict(kwargs or {})
        self.config: RunnableConfig = config or {}
        self.name = None

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        return self.bound.get_name(suffix, name=name or self.config.get("run_name"))

    def __repr__(self) -> str:
        return f"RunnableBinding(bound={self.bound!r}, kwargs={self.kwargs!r})"

    def __getattr__(self, name: str) -> Any:
        # Model attributes (`model_name`, `bind_tools`...) stay reachable through bindings.
        if name.startswith("_") or name in ("bound", "kwargs", "config"):
            raise AttributeError(name)
        attr = getattr(self.bound, name)
        if (
            callable(attr)
            and getattr(attr, "__self__", None) is self.bound
            and name in ("bind_tools", "with_structured_output")
        ):

            def rebind(*args: Any, **kwargs: Any) -> Any:
                inner = attr(*args, **kwargs)
                return RunnableBinding(bound=inner, kwargs=self.kwargs, config=self.config)

            return rebind
        return attr

    @property
    def InputType(self) -> Any:
        return self.bound.InputType

    @property
    def OutputType(self) -> Any:
        return self.bound.OutputType

    def get_input_schema(self, config: RunnableConfig | None = None) -> Any:
        return self.bound.get_input_schema(merge_configs(self.config, config))

    def get_output_schema(self, config: RunnableConfig | None = None) -> Any:
        return self.bound.get_output_schema(merge_configs(self.config, config))

    @property
    def config_specs(self) -> list[Any]:
        return self.bound.config_specs

    @property
    def streams_input(self) -> bool:
        return self.bound.streams_input

    def bind(self, **kwargs: Any) -> RunnableBinding:
        if type(self) is not RunnableBinding:  # keep what a subclass (retry) adds
            return super().bind(**kwargs)
        return RunnableBinding(
            bound=self.bound, kwargs={**self.kwargs, **kwargs}, config=self.config
        )

    def with_config(self, config: RunnableConfig | None = None, **kwargs: Any) -> RunnableBinding:
        if type(self) is not RunnableBinding:
            return super().with_config(config, **kwargs)
        extra = cast(RunnableConfig, kwargs)
        return RunnableBinding(
            bound=self.bound, kwargs=self.kwargs, config=merge_configs(self.config, config, extra)
        )

    def _merge(self, config: RunnableConfig | None) -> RunnableConfig:
        return merge_configs(self.config, config) if self.config else (config or {})

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return self.bound.invoke(input, self._merge(config), **{**self.kwargs, **kwargs})

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return await self.bound.ainvoke(input, self._merge(config), **{**self.kwargs, **kwargs})

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        return self.bound.stream(input, self._merge(config), **{**self.kwargs, **kwargs})

    def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        return self.bound.astream(input, self._merge(config), **{**self.kwargs, **kwargs})

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        return self.bound.transform(input, self._merge(config), **{**self.kwargs, **kwargs})

    def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        return self.bound.atransform(input, self._merge(config), **{**self.kwargs, **kwargs})


class RunListener(Listener):
    """Calls user functions with the `Run` when the bound runnable starts, ends, fails."""

    def __init__(
        self,
        *,
        on_start: Callable[..., Any] | None,
        on_end: Callable[..., Any] | None,
        on_error: Callable[..., Any] | None,
    ) -> None:
        self._hooks = {"start": on_start, "end": on_end, "error": on_error}
        self._config_arg = {
            k: f is not None and accepts_param(f, "config") for k, f in self._hooks.items()
        }

    def _root(self, run: Run) -> bool:
        return run.parent is None or self not in run.parent.listeners

    def _fire(self, kind: str, run: Run) -> None:
        hook = self._hooks[kind]
        if hook is None or not self._root(run):
            return
        if self._config_arg[kind]:
            hook(run, config={"tags": run.tags, "metadata": run.metadata})
        else:
            hook(run)

    def _run_start(self, run: Run) -> None:
        self._fire("start", run)

    def _run_end(self, run: Run) -> None:
        self._fire("end", run)

    def _run_error(self, run: Run) -> None:
        self._fire("error", run)
