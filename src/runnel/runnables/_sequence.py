"""RunnableSequence: steps run one after another, `a | b | c`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from runnel._core.run import step_config
from runnel.runnables._config import RunnableConfig
from runnel.runnables._protocol import Runnable, coerce_to_runnable

__all__ = ["RunnableSequence"]


class RunnableSequence(Runnable[Any, Any]):
    """Each step's output is the next step's input.

    Streaming: every step transforms the previous step's output stream, so output
    starts flowing after the last step that needs its whole input (a barrier).
    """

    def __init__(
        self,
        *steps: Any,
        name: str | None = None,
        first: Any = None,
        middle: list[Any] | None = None,
        last: Any = None,
    ) -> None:
        if first is not None or last is not None:
            steps = (first, *(middle or []), last)
        flat: list[Runnable[Any, Any]] = []
        for step in steps:
            runnable = coerce_to_runnable(step)
            if isinstance(runnable, RunnableSequence):
                flat.extend(runnable.steps)
            else:
                flat.append(runnable)
        if len(flat) < 2:
            raise ValueError(f"a RunnableSequence needs at least 2 steps, got {len(flat)}")
        self.steps: list[Runnable[Any, Any]] = flat
        self.name = name

    @property
    def first(self) -> Runnable[Any, Any]:
        """The first step."""
        return self.steps[0]

    @property
    def middle(self) -> list[Runnable[Any, Any]]:
        """The steps between the first and the last."""
        return self.steps[1:-1]

    @property
    def last(self) -> Runnable[Any, Any]:
        """The last step."""
        return self.steps[-1]

    @property
    def InputType(self) -> Any:
        return self.first.InputType

    @property
    def OutputType(self) -> Any:
        return self.last.OutputType

    def get_input_schema(self, config: RunnableConfig | None = None) -> Any:
        return self.first.get_input_schema(config)

    def get_output_schema(self, config: RunnableConfig | None = None) -> Any:
        return self.last.get_output_schema(config)

    @property
    def config_specs(self) -> list[Any]:
        specs: list[Any] = []
        for step in self.steps:
            specs.extend(s for s in step.config_specs if s not in specs)
        return specs

    def __repr__(self) -> str:
        return "\n| ".join(repr(step) for step in self.steps)

    def __or__(self, other: Any) -> RunnableSequence:
        return RunnableSequence(*self.steps, coerce_to_runnable(other), name=self.name)

    def __ror__(self, other: Any) -> RunnableSequence:
        return RunnableSequence(coerce_to_runnable(other), *self.steps, name=self.name)

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        for index, step in enumerate(self.steps):
            input = step.invoke(input, step_config(config, f"seq:step:{index + 1}"))
        return input

    async def _ainvoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        for index, step in enumerate(self.steps):
            input = await step.ainvoke(input, step_config(config, f"seq:step:{index + 1}"))
        return input

    def _transform(
        self, chunks: Iterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> Iterator[Any]:
        for index, step in enumerate(self.steps):
            chunks = step.transform(chunks, step_config(config, f"seq:step:{index + 1}"))
        return chunks

    def _atransform(
        self, chunks: AsyncIterator[Any], config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[Any]:
        for index, step in enumerate(self.steps):
            chunks = step.atransform(chunks, step_config(config, f"seq:step:{index + 1}"))
        return chunks
