"""Tool: a tool of one string argument, made from a function of one argument."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, create_model

from runnel.runnables._config import RunnableConfig
from runnel.tools._base import ArgsSchema
from runnel.tools._function import FunctionTool

__all__ = ["Tool"]


class Tool(FunctionTool):
    """A tool whose function takes one string: `Tool(name, func, description)`.

    It accepts a string, or a dict holding one argument (under any key). Without an
    `args_schema`, its schema is one string argument named `tool_input`.
    """

    def __init__(
        self,
        name: str,
        func: Callable[..., Any] | None = None,
        description: str = "",
        *,
        coroutine: Callable[..., Awaitable[Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        """Make a tool named `name` calling `func` (and/or `coroutine`) with one string."""
        super().__init__(
            name=name, func=func, description=description, coroutine=coroutine, **kwargs
        )

    @property
    def tool_call_schema(self) -> ArgsSchema:
        """The arguments a model must provide (`tool_input`, unless `args_schema` is set)."""
        if self.args_schema is not None:
            return super().tool_call_schema
        return _single_input(self.name)

    @property
    def args(self) -> dict[str, Any]:
        """The JSON schema of each argument (`tool_input`, unless `args_schema` is set)."""
        if self.args_schema is not None:
            return super().args
        return {"tool_input": {"type": "string"}}

    def get_input_schema(self, config: RunnableConfig | None = None) -> type[BaseModel]:
        """The pydantic model of the argument."""
        schema = self.tool_call_schema
        return schema if isinstance(schema, type) else super().get_input_schema(config)

    def _to_args_and_kwargs(self, parsed: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if isinstance(parsed, dict):
            if len(parsed) != 1:
                raise ValueError(
                    f"tool {self.name!r} takes one argument, got {len(parsed)} "
                    f"({', '.join(map(str, parsed))}): use a StructuredTool for several"
                )
            return (next(iter(parsed.values())),), {}
        return (parsed,), {}

    @classmethod
    def from_function(
        cls,
        func: Callable[..., Any] | None,
        name: str,
        description: str,
        return_direct: bool = False,
        args_schema: ArgsSchema | None = None,
        coroutine: Callable[..., Awaitable[Any]] | None = None,
        **kwargs: Any,
    ) -> Tool:
        """Make a single-input tool (LangChain's signature).

        Raises:
            ValueError: neither `func` nor `coroutine` given.
        """
        if func is None and coroutine is None:
            raise ValueError("Tool.from_function needs func, coroutine or both")
        return cls(
            name,
            func,
            description,
            coroutine=coroutine,
            return_direct=return_direct,
            args_schema=args_schema,
            **kwargs,
        )


def _single_input(name: str) -> type[BaseModel]:
    return create_model(name, tool_input=(str, ...))
