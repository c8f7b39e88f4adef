"""Tools in Gemini's format: ``functionDeclarations``, built-in tools, ``toolConfig``.

Functions, pydantic models, TypedDicts, runnel tools and OpenAI / Anthropic tool dicts become
function declarations whose ``parametersJsonSchema`` is their JSON schema (Gemini reads JSON
Schema there as is; the older ``parameters`` field takes only an OpenAPI subset). They are
grouped in one ``Tool``. Gemini ``Tool`` dicts (``{"function_declarations": [...]}``,
``{"google_search": {}}``, ``{"code_execution": {}}``...) and google-genai ``Tool`` objects
pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runnel.utils.function_calling import convert_to_openai_function

__all__ = ["format_tools", "tool_config", "tool_names"]

_TOOL_KEYS = frozenset(
    {
        "function_declarations",
        "functionDeclarations",
        "google_search",
        "googleSearch",
        "google_search_retrieval",
        "googleSearchRetrieval",
        "code_execution",
        "codeExecution",
        "url_context",
        "urlContext",
        "retrieval",
        "google_maps",
        "googleMaps",
        "enterprise_web_search",
        "enterpriseWebSearch",
        "file_search",
        "fileSearch",
        "computer_use",
        "computerUse",
    }
)
_MODES = {"auto": "AUTO", "none": "NONE", "any": "ANY", "required": "ANY", "validated": "VALIDATED"}


def format_tools(tools: Sequence[Any]) -> list[Any]:
    """Gemini ``tools``: declarations of the functions in one tool, then the others.

    Raises:
        ValueError: a tool that cannot be described as a function.
    """
    declarations: list[dict[str, Any]] = []
    others: list[Any] = []
    for tool in tools:
        if _is_gemini_tool(tool):
            others.append(tool)
            continue
        function = convert_to_openai_function(tool)
        declaration: dict[str, Any] = {"name": function["name"]}
        if function.get("description"):
            declaration["description"] = function["description"]
        parameters = function.get("parameters")
        if parameters and parameters.get("properties"):
            declaration["parameters_json_schema"] = parameters
        declarations.append(declaration)
    return ([{"function_declarations": declarations}] if declarations else []) + others


def tool_names(tools: Sequence[Any]) -> list[str]:
    """The names of the functions declared in Gemini ``tools``."""
    names: list[str] = []
    for tool in tools:
        if isinstance(tool, Mapping):
            found = tool.get("function_declarations") or tool.get("functionDeclarations") or []
        else:
            found = getattr(tool, "function_declarations", None) or []
        for declaration in found:
            name = (
                declaration.get("name")
                if isinstance(declaration, Mapping)
                else getattr(declaration, "name", None)
            )
            if name:
                names.append(str(name))
    return names


def tool_config(tool_choice: Any, names: Sequence[str]) -> dict[str, Any]:
    """The ``toolConfig`` for a LangChain-style `tool_choice`.

    ``"auto"``, ``"none"``, ``"any"`` / ``"required"`` / True (call some function), a
    function's name, a list of names, or ``{"type": "function", "function": {"name": ...}}``
    (OpenAI's form) / ``{"name": ...}``.

    Raises:
        ValueError: the choice names a function that is not among the tools.
    """
    if tool_choice is True:
        tool_choice = "any"
    if isinstance(tool_choice, Mapping):
        function = tool_choice.get("function", tool_choice)
        tool_choice = function.get("name") if isinstance(function, Mapping) else None
        if not tool_choice:
            raise ValueError(f"tool_choice {tool_choice!r} names no function")
    if isinstance(tool_choice, str) and tool_choice.lower() in _MODES:
        return {"function_calling_config": {"mode": _MODES[tool_choice.lower()]}}
    chosen = [tool_choice] if isinstance(tool_choice, str) else list(tool_choice)
    unknown = [name for name in chosen if name not in names]
    if unknown:
        raise ValueError(
            f"tool_choice names {unknown}, which are not among the bound tools {list(names)}"
        )
    return {"function_calling_config": {"mode": "ANY", "allowed_function_names": chosen}}


def _is_gemini_tool(tool: Any) -> bool:
    if isinstance(tool, Mapping):
        return bool(tool) and set(tool) <= _TOOL_KEYS
    module = type(tool).__module__ or ""
    return module.startswith("google.genai") and type(tool).__name__ == "Tool"
