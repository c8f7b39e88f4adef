"""Messages and tool choices in the form Mistral's chat completions API takes them."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from runnel.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

__all__ = ["mistral_messages", "mistral_tool_call_id", "mistral_tool_choice"]

_ID = re.compile(r"[a-zA-Z0-9]{9}")
_BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mistral_tool_call_id(call_id: str) -> str:
    """`call_id` as Mistral accepts tool call ids: nine letters or digits.

    Ids already in that form are kept; others (from other providers) map to a stable
    nine-character digest, so a tool call and the result answering it still match.
    """
    if _ID.fullmatch(call_id):
        return call_id
    number = int.from_bytes(hashlib.sha256(call_id.encode()).digest(), "big")
    chars = []
    for _ in range(9):
        number, digit = divmod(number, 62)
        chars.append(_BASE62[digit])
    return "".join(chars)


def mistral_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """`messages` as Mistral chat messages.

    An AI message with tool calls is sent without its text (Mistral wants one or the
    other); tool call ids are made Mistral-compatible (`mistral_tool_call_id`).

    Raises:
        ValueError: a message of a kind Mistral has no role for.
    """
    return [_message(message) for message in messages]


def _message(message: BaseMessage) -> dict[str, Any]:
    if isinstance(message, HumanMessage):
        return {"role": "user", "content": _content(message.content)}
    if isinstance(message, SystemMessage):
        return {"role": "system", "content": message.text}
    if isinstance(message, AIMessage):
        calls = [
            _call(call["id"], call["name"], json.dumps(call["args"], ensure_ascii=False))
            for call in message.tool_calls
        ]
        calls += [
            _call(bad["id"], bad["name"] or "", bad["args"] or "")
            for bad in message.invalid_tool_calls
        ]
        out: dict[str, Any] = {"role": "assistant", "content": "" if calls else message.text}
        if calls:
            out["tool_calls"] = calls
        if message.additional_kwargs.get("prefix"):
            out["prefix"] = True
        return out
    if isinstance(message, ToolMessage):
        out = {
            "role": "tool",
            "content": message.text,
            "tool_call_id": mistral_tool_call_id(message.tool_call_id),
        }
        if message.name:
            out["name"] = message.name
        return out
    if isinstance(message, ChatMessage):
        return {"role": message.role, "content": message.text}
    raise ValueError(
        f"Mistral cannot take a {type(message).__name__}: use system, human, AI, tool or "
        "chat messages"
    )


def _call(call_id: str | None, name: str, arguments: str) -> dict[str, Any]:
    call: dict[str, Any] = {"type": "function", "function": {"name": name, "arguments": arguments}}
    if call_id:
        call["id"] = mistral_tool_call_id(call_id)
    return call


def _content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    return [
        {"type": "text", "text": block} if isinstance(block, str) else dict(block)
        for block in content
    ]


def mistral_tool_choice(choice: Any, names: Sequence[str]) -> Any:
    """Mistral's ``tool_choice``: a tool's name becomes ``{"type": "function", "function":
    {"name": ...}}``; True becomes ``"any"``; other values (``"auto"``, ``"any"``,
    ``"none"``, ``"required"``, dicts) pass as they are."""
    if choice is True:
        return "any"
    if isinstance(choice, str) and choice in names:
        return {"type": "function", "function": {"name": choice}}
    return choice
