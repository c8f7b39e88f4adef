"""Messages and tools in the Chat Completions request format."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from runnel.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from runnel.utils.function_calling import convert_to_openai_function, convert_to_openai_tool

__all__ = ["format_messages", "format_tool_choice", "format_tools"]

_KNOWN_PARTS = frozenset({"text", "image_url", "input_audio", "file", "refusal"})


def format_messages(
    messages: Sequence[BaseMessage], *, developer: bool = False
) -> list[dict[str, Any]]:
    """`messages` as Chat Completions messages.

    Args:
        messages: System, human, AI (with tool calls), tool and chat messages.
        developer: Send system messages with the ``developer`` role (o-series models).

    Raises:
        TypeError: a message of a kind Chat Completions cannot carry.
    """
    return [_message(message, developer) for message in messages]


def _message(message: BaseMessage, developer: bool) -> dict[str, Any]:
    if isinstance(message, ToolMessage):
        return {
            "role": "tool",
            "tool_call_id": message.tool_call_id,
            "content": _content(message.content, text_only=True),
        }
    result: dict[str, Any]
    if isinstance(message, AIMessage):
        result = {"role": "assistant", "content": _content(message.content, text_only=True)}
        calls = [
            {
                "type": "function",
                "id": call["id"],
                "function": {
                    "name": call["name"],
                    "arguments": json.dumps(call["args"], ensure_ascii=False),
                },
            }
            for call in message.tool_calls
        ] + [
            {
                "type": "function",
                "id": bad["id"],
                "function": {"name": bad["name"], "arguments": bad["args"]},
            }
            for bad in message.invalid_tool_calls
        ]
        if calls:
            result["tool_calls"] = calls
            result["content"] = result["content"] or None
        elif "tool_calls" in message.additional_kwargs:
            result["tool_calls"] = message.additional_kwargs["tool_calls"]
            result["content"] = result["content"] or None
    elif isinstance(message, HumanMessage):
        result = {"role": "user", "content": _content(message.content, text_only=False)}
    elif isinstance(message, SystemMessage):
        role = message.additional_kwargs.get("__openai_role__", "system")
        if developer and role == "system":
            role = "developer"
        result = {"role": role, "content": _content(message.content, text_only=True)}
    elif isinstance(message, ChatMessage):
        result = {"role": message.role, "content": _content(message.content, text_only=False)}
    else:
        raise TypeError(
            f"Chat Completions cannot carry a {type(message).__name__}: use system, human, "
            "AI, tool or chat messages"
        )
    if message.name is not None:
        result["name"] = message.name
    return result


def _content(content: str | list[Any], *, text_only: bool) -> Any:
    """Message content: a string, or a list of content parts in OpenAI's format."""
    if isinstance(content, str):
        return content
    parts = [part for block in content if (part := _part(block, text_only)) is not None]
    if text_only and all(part["type"] == "text" for part in parts):
        return "".join(part["text"] for part in parts)
    return parts


def _part(block: Any, text_only: bool) -> dict[str, Any] | None:
    if isinstance(block, str):
        return {"type": "text", "text": block}
    if not isinstance(block, Mapping):
        return None
    kind = block.get("type")
    if kind == "text":
        return {"type": "text", "text": block.get("text", "")}
    if text_only:
        return None  # tool_use, thinking and other blocks of other providers' messages
    if kind in _KNOWN_PARTS:
        return dict(block)
    if kind == "image":  # LangChain's standard block: a URL or base64 data
        url = block.get("url")
        data = block.get("base64") or block.get("data")
        if url is None and data is not None:
            url = f"data:{block.get('mime_type', 'image/png')};base64,{data}"
        if url is not None:
            return {"type": "image_url", "image_url": {"url": url}}
    raise ValueError(f"Unsupported content block for Chat Completions: {dict(block)!r}")


def format_tools(tools: Sequence[Any], *, strict: bool | None = None) -> list[dict[str, Any]]:
    """Tools (runnel tools, pydantic models, functions, dicts) as OpenAI tool definitions.

    A JSON schema dict (top-level ``"type": "object"`` and a ``title``) is a function's
    parameters, not a built-in tool of type ``"object"``.
    """
    return [_tool(tool, strict) for tool in tools]


def _tool(tool: Any, strict: bool | None) -> dict[str, Any]:
    if isinstance(tool, Mapping) and tool.get("type") == "object" and "title" in tool:
        return {"type": "function", "function": convert_to_openai_function(tool, strict=strict)}
    return convert_to_openai_tool(tool, strict=strict)


def format_tool_choice(choice: Any, tools: Sequence[Mapping[str, Any]]) -> Any:
    """LangChain's ``tool_choice`` values in OpenAI's format.

    A tool's name forces that tool; ``"any"`` and True mean ``"required"``; ``"auto"``,
    ``"none"``, ``"required"`` and dicts are sent as given.

    Raises:
        ValueError: `choice` is neither a string, a bool nor a dict.
    """
    if isinstance(choice, bool):
        return "required" if choice else None
    if isinstance(choice, dict):
        return choice
    if not isinstance(choice, str):
        raise ValueError(
            f"Unrecognised tool_choice {choice!r}: pass a tool name, 'auto', 'none', "
            "'any', 'required', True or a dict"
        )
    names = {tool.get("function", {}).get("name") for tool in tools}
    if choice in names and choice not in ("auto", "none", "required"):
        return {"type": "function", "function": {"name": choice}}
    return "required" if choice == "any" else choice
