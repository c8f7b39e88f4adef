"""The `@tool` decorator: functions (and runnables) into tools."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Literal, overload

from runnel.runnables._protocol import Runnable
from runnel.tools._base import ArgsSchema, BaseTool
from runnel.tools._simple import Tool
from runnel.tools._structured import StructuredTool

__all__ = ["tool"]

ResponseFormat = Literal["content", "content_and_artifact"]


@overload
def tool(
    name_or_callable: str,
    runnable: Runnable[Any, Any],
    *,
    description: str | None = None,
    return_direct: bool = False,
    args_schema: ArgsSchema | None = None,
    infer_schema: bool = True,
    response_format: ResponseFormat = "content",
    parse_docstring: bool = False,
    error_on_invalid_docstring: bool = True,
) -> BaseTool: ...


@overload
def tool(
    name_or_callable: Callable[..., Any],
    *,
    description: str | None = None,
    return_direct: bool = False,
    args_schema: ArgsSchema | None = None,
    infer_schema: bool = True,
    response_format: ResponseFormat = "content",
    parse_docstring: bool = False,
    error_on_invalid_docstring: bool = True,
) -> BaseTool: ...


@overload
def tool(
    name_or_callable: str | None = None,
    *,
    description: str | None = None,
    return_direct: bool = False,
    args_schema: ArgsSchema | None = None,
    infer_schema: bool = True,
    response_format: ResponseFormat = "content",
    parse_docstring: bool = False,
    error_on_invalid_docstring: bool = True,
) -> Callable[[Callable[..., Any] | Runnable[Any, Any]], BaseTool]: ...


def tool(
    name_or_callable: str | Callable[..., Any] | None = None,
    runnable: Runnable[Any, Any] | None = None,
    *,
    description: str | None = None,
    return_direct: bool = False,
    args_schema: ArgsSchema | None = None,
    infer_schema: bool = True,
    response_format: ResponseFormat = "content",
    parse_docstring: bool = False,
    error_on_invalid_docstring: bool = True,
) -> BaseTool | Callable[[Callable[..., Any] | Runnable[Any, Any]], BaseTool]:
    """Make a tool from a function: `@tool`, `@tool("name")`, `@tool(parse_docstring=True)`.

    The tool is named after the function and described by its docstring; its arguments
    come from the signature and type hints (`callbacks`, `run_manager` and `config`
    parameters are filled in at call time, not part of the schema). An async function
    gives an async-only tool. `tool("name", runnable)` makes a tool invoking a runnable
    with the dict of arguments.

    Args:
        name_or_callable: The function, or the tool's name.
        runnable: With a name: the runnable to wrap.
        description: What the tool does (default: the docstring).
        return_direct: Agents stop after this tool.
        args_schema: The arguments' schema (default: inferred from the signature).
        infer_schema: False makes a single-string-input `Tool` (without `args_schema`).
        response_format: "content_and_artifact" if the function returns a pair.
        parse_docstring: Argument descriptions from the docstring's `Args:` section.
        error_on_invalid_docstring: With `parse_docstring`, reject a docstring that is
            missing or documents arguments the function does not take.

    Raises:
        ValueError: no description available, or an invalid docstring.
        TypeError: `tool` was given something other than a function, name or runnable.
    """

    def make(name: str | None, func: Callable[..., Any] | Runnable[Any, Any]) -> BaseTool:
        if isinstance(func, Runnable):
            if name is None:
                raise TypeError("tool(runnable) needs a name: tool('name', runnable)")
            return _from_runnable(name, func, description, args_schema, return_direct)
        if not callable(func):
            raise TypeError(f"@tool decorates functions, got {type(func).__name__}")
        is_async = inspect.iscoroutinefunction(func)
        if not infer_schema and args_schema is None:
            tool_name = name or func.__name__
            return Tool(
                tool_name,
                None if is_async else func,
                description if description is not None else inspect.getdoc(func) or "",
                coroutine=func if is_async else None,
                return_direct=return_direct,
                response_format=response_format,
            )
        return StructuredTool.from_function(
            func=None if is_async else func,
            coroutine=func if is_async else None,
            name=name,
            description=description,
            return_direct=return_direct,
            args_schema=args_schema,
            infer_schema=infer_schema,
            response_format=response_format,
            parse_docstring=parse_docstring,
            error_on_invalid_docstring=error_on_invalid_docstring,
        )

    if isinstance(name_or_callable, str):
        name = name_or_callable
        if runnable is not None:
            return make(name, runnable)
        return lambda func: make(name, func)
    if runnable is not None:
        raise TypeError("tool(name, runnable): the first argument must be the tool's name")
    if name_or_callable is None:
        return lambda func: make(None, func)
    return make(None, name_or_callable)


def _from_runnable(
    name: str,
    runnable: Runnable[Any, Any],
    description: str | None,
    args_schema: ArgsSchema | None,
    return_direct: bool,
) -> BaseTool:
    schema = args_schema if args_schema is not None else runnable.get_input_schema()
    if isinstance(schema, type) and "properties" not in schema.model_json_schema():
        raise TypeError(
            f"cannot make tool {name!r} from {runnable.get_name()}: its input is not an "
            "object of named arguments; pass args_schema="
        )

    def call(**kwargs: Any) -> Any:
        return runnable.invoke(kwargs)

    async def acall(**kwargs: Any) -> Any:
        return await runnable.ainvoke(kwargs)

    return StructuredTool.from_function(
        func=call,
        coroutine=acall,
        name=name,
        description=description or f"Takes {_schema_keys(schema)}.",
        return_direct=return_direct,
        args_schema=schema,
    )


def _schema_keys(schema: ArgsSchema) -> str:
    """The argument names of a schema, for a default description."""
    json_schema = schema.model_json_schema() if isinstance(schema, type) else schema
    return ", ".join(json_schema.get("properties", {})) or "no arguments"
