"""Tools and tool choices in Anthropic's format."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from runnel.utils.function_calling import convert_to_openai_function

__all__ = ["convert_to_anthropic_tool", "tool_choice_param"]

# Types a JSON schema or an OpenAI tool dict has; any other ``type`` is an Anthropic built-in
# tool (``web_search_20250305``, ``bash_20250124``...) and is sent as given.
_SCHEMA_TYPES = frozenset({"function", "object"})


def convert_to_anthropic_tool(
    tool: Mapping[str, Any] | type | Callable[..., Any] | Any, *, strict: bool | None = None
) -> dict[str, Any]:
    """Describe `tool` as an Anthropic tool: ``{"name", "description", "input_schema"}``.

    Args:
        tool: A runnel tool, pydantic model class, TypedDict class, function, or dict (an
            Anthropic tool or built-in tool, an OpenAI function or tool, a JSON schema with
            a top-level ``title``).
        strict: Set the tool's ``strict`` flag (schema adherence of the tool's input).

    Raises:
        ValueError: `tool` is none of the supported kinds.
    """
    if isinstance(tool, Mapping):
        kind = tool.get("type")
        if isinstance(kind, str) and kind not in _SCHEMA_TYPES and "input_schema" not in tool:
            return dict(tool)  # a built-in tool
        if "name" in tool and "input_schema" in tool:
            out = dict(tool)
            if strict is not None:
                out["strict"] = strict
            return out
    function = convert_to_openai_function(tool, strict=strict)
    out = {"name": function["name"]}
    if function.get("description"):
        out["description"] = function["description"]
    out["input_schema"] = function.get("parameters") or {"type": "object", "properties": {}}
    if strict is not None:
        out["strict"] = strict
    return out


def tool_choice_param(
    choice: str | Mapping[str, Any] | bool | None, parallel_tool_calls: bool | None = None
) -> dict[str, Any] | None:
    """Anthropic's ``tool_choice`` for LangChain's ways of saying it.

    ``"auto"``, ``"any"`` and ``"none"`` are Anthropic's own; ``"required"`` and True (as
    other providers say it) mean ``"any"``; any other string names the tool to call; a dict
    is sent as given. `parallel_tool_calls=False` adds ``disable_parallel_tool_use``.

    Raises:
        ValueError: `choice` is of another type.
    """
    param: dict[str, Any] | None
    if choice is None or choice is False:
        param = None
    elif choice is True or choice in ("any", "required"):
        param = {"type": "any"}
    elif choice in ("auto", "none"):
        param = {"type": choice}
    elif isinstance(choice, str):
        param = {"type": "tool", "name": choice}
    elif isinstance(choice, Mapping):
        param = dict(choice)
    else:
        raise ValueError(
            f"tool_choice must be a tool name, 'auto', 'any', 'none' or a dict, not {choice!r}"
        )
    if parallel_tool_calls is not None:
        param = param if param is not None else {"type": "auto"}
        param["disable_parallel_tool_use"] = not parallel_tool_calls
    return param
