"""Tools: functions a model can call (`langchain_core.tools` names).

A function decorated with `@tool` becomes a `StructuredTool` named after it, described by
its docstring, with arguments from its signature. `add.invoke({"a": 1, "b": 2})` returns
the result; `add.invoke({"name": "add", "args": {...}, "id": "call_1", "type":
"tool_call"})` returns a `ToolMessage` answering the call.
"""

from runnel.tools._base import ArgsSchema, BaseTool
from runnel.tools._convert import tool
from runnel.tools._errors import ToolException
from runnel.tools._render import render_text_description, render_text_description_and_args
from runnel.tools._schema import (
    InjectedToolArg,
    InjectedToolCallId,
    create_schema_from_function,
)
from runnel.tools._simple import Tool
from runnel.tools._structured import StructuredTool

__all__ = [
    "ArgsSchema",
    "BaseTool",
    "InjectedToolArg",
    "InjectedToolCallId",
    "StructuredTool",
    "Tool",
    "ToolException",
    "create_schema_from_function",
    "render_text_description",
    "render_text_description_and_args",
    "tool",
]
