"""StructuredTool: a tool made from a function (sync, async or both) of named arguments."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from runnel.tools._base import ArgsSchema
from runnel.tools._function import FunctionTool
from runnel.tools._schema import create_schema_from_function
from runnel.tools._schema import parse_docstring as split_docstring

__all__ = ["StructuredTool"]


class StructuredTool(FunctionTool):
    """A tool that calls `func` (sync) and/or `coroutine` (async) with its arguments.

    Made by `@tool` or `StructuredTool.from_function`. The function may declare
    `callbacks` (the callbacks to pass to runnables it invokes, so they become child
    runs), `run_manager` and `config` (the config for child runs); these are filled in,
    never shown to the model. Runnables it invokes without passing anything become child
    runs too. Under `ainvoke` a sync-only tool runs in a worker thread; an async-only tool
    cannot be invoked synchronously.
    """

    @classmethod
    def from_function(
        cls,
        func: Callable[..., Any] | None = None,
        coroutine: Callable[..., Awaitable[Any]] | None = None,
        name: str | None = None,
        description: str | None = None,
        return_direct: bool = False,
        args_schema: ArgsSchema | None = None,
        infer_schema: bool = True,
        *,
        response_format: Literal["content", "content_and_artifact"] = "content",
        parse_docstring: bool = False,
        error_on_invalid_docstring: bool = False,
        **kwargs: Any,
    ) -> StructuredTool:
        """Make a tool from a function and/or a coroutine function.

        Args:
            func: The sync implementation.
            coroutine: The async implementation.
            name: The tool's name (default: the function's name).
            description: What the tool does (default: the function's docstring, else the
                args schema's).
            return_direct: Agents stop after this tool.
            args_schema: The arguments' schema (default: inferred from the signature).
            infer_schema: Infer the schema from the signature when none is given.
            response_format: "content_and_artifact" if the function returns a pair.
            parse_docstring: Take argument descriptions from the docstring's `Args:`
                section, and only the text before it as the description.
            error_on_invalid_docstring: With `parse_docstring`, reject a missing docstring
                or one documenting arguments the function does not take.
            **kwargs: Other tool fields (`handle_tool_error`, `tags`, `metadata`...).

        Raises:
            ValueError: neither function given, a lambda without `name`, no description
                available, or an invalid docstring (see `error_on_invalid_docstring`).
        """
        source = func if func is not None else coroutine
        if source is None:
            raise ValueError("StructuredTool.from_function needs func, coroutine or both")
        if name is None:
            name = getattr(source, "__name__", None)
            if not name or name == "<lambda>":
                raise ValueError("cannot name a tool after a lambda: pass name=")
        if args_schema is None and infer_schema:
            args_schema = create_schema_from_function(
                name,
                source,
                parse_docstring=parse_docstring,
                error_on_invalid_docstring=error_on_invalid_docstring,
            )
        if description is None:
            description = _description(source, args_schema, parse_docstring)
        return cls(
            name=name,
            func=func,
            coroutine=coroutine,
            description=description,
            return_direct=return_direct,
            args_schema=args_schema,
            response_format=response_format,
            **kwargs,
        )


def _description(source: Callable[..., Any], args_schema: ArgsSchema | None, parse: bool) -> str:
    doc = inspect.getdoc(source)
    if doc:
        return split_docstring(doc).description if parse else doc
    if isinstance(args_schema, type) and args_schema.__doc__:
        return inspect.cleandoc(args_schema.__doc__)
    if isinstance(args_schema, dict) and args_schema.get("description"):
        return str(args_schema["description"])
    name = getattr(source, "__name__", "the function")
    raise ValueError(
        f"tool {name!r} needs a description: give the function a docstring or pass description="
    )
