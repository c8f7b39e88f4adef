"""Messages, tools and options in the form Cohere's v2 chat API takes them."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from runnel.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

__all__ = ["cohere_messages", "cohere_response_format", "cohere_tool_choice"]

_DEFAULT_PLAN = "I will assist you using the tools provided."
_ROLES = frozenset({"user", "assistant", "system", "tool"})


def cohere_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """`messages` as Cohere v2 chat messages.

    An AI message with tool calls carries its text as the ``tool_plan`` (Cohere wants one
    there); a tool result becomes a ``tool`` message answering its ``tool_call_id``.

    Raises:
        ValueError: a message of a kind Cohere has no role for.
    """
    return [_message(message) for message in messages]


def _message(message: BaseMessage) -> dict[str, Any]:
    if isinstance(message, HumanMessage):
        return {"role": "user", "content": _user_content(message.content)}
    if isinstance(message, SystemMessage):
        return {"role": "system", "content": message.text}
    if isinstance(message, AIMessage):
        if not message.tool_calls:
            return {"role": "assistant", "content": message.text}
        return {
            "role": "assistant",
            "tool_plan": message.text or _DEFAULT_PLAN,
            "tool_calls": [
                {
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": call["name"], "arguments": json.dumps(call["args"])},
                }
                for call in message.tool_calls
            ],
        }
    if isinstance(message, ToolMessage):
        return {
            "role": "tool",
            "tool_call_id": message.tool_call_id,
            "content": _tool_content(message.content),
        }
    if isinstance(message, ChatMessage):
        role = message.role if message.role in _ROLES else "user"
        return {"role": role, "content": message.text}
    raise ValueError(
        f"Cohere cannot take a {type(message).__name__}: use system, human, AI, tool or "
        "chat messages"
    )


def _user_content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    return _parts(content, _image_part)


def _tool_content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    return _parts(content, lambda block: {"type": "document", "document": {"data": dict(block)}})


def _parts(
    content: str | list[Any], other: Callable[[Mapping[str, Any]], dict[str, Any] | None]
) -> str | list[dict[str, Any]]:
    """`content` as Cohere's parts: text blocks as text, `other` for the rest (None: left
    out)."""
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, str):
            parts.append({"type": "text", "text": block})
        elif block.get("type") == "text":
            parts.append({"type": "text", "text": block.get("text", "")})
        elif (part := other(block)) is not None:
            parts.append(part)
    return parts


def _image_part(block: Mapping[str, Any]) -> dict[str, Any] | None:
    if block.get("type") != "image_url":
        return None
    image = block.get("image_url")
    return {
        "type": "image_url",
        "image_url": dict(image) if isinstance(image, Mapping) else {"url": str(image)},
    }


def cohere_tool_choice(choice: Any) -> str | None:
    """Cohere's ``tool_choice`` for LangChain's: ``REQUIRED``, ``NONE`` or None (auto).

    Cohere cannot be told which tool to call, only that it must call one: a tool's name
    (or ``"any"``, ``"required"``, True) asks for ``REQUIRED``.
    """
    if choice is None or choice is False or choice == "auto":
        return None
    if isinstance(choice, str) and choice.upper() in ("NONE", "REQUIRED"):
        return choice.upper()
    return "REQUIRED"


def cohere_response_format(response_format: Mapping[str, Any]) -> dict[str, Any]:
    """Cohere's ``response_format`` for an OpenAI-style one (or Cohere's own, unchanged).

    ``{"type": "json_schema", "json_schema": {"schema": ...}}`` becomes ``{"type":
    "json_object", "json_schema": ...}``; LangChain's ``{"type": "json_object", "schema":
    ...}`` is read too.
    """
    kind = response_format.get("type")
    if kind == "json_schema":
        spec = response_format.get("json_schema") or {}
        return {"type": "json_object", "json_schema": dict(spec.get("schema") or spec)}
    if kind == "json_object" and "schema" in response_format:
        return {"type": "json_object", "json_schema": dict(response_format["schema"])}
    return dict(response_format)
