"""Messages and output formats in the form Ollama's native ``/api/chat`` takes them."""

from __future__ import annotations

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

__all__ = ["ollama_format", "ollama_messages"]


def ollama_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """`messages` as Ollama chat messages.

    Images in human messages (``image_url`` blocks, data URLs or base64, and ``image``
    blocks with base64 data) go to ``images``; tool calls carry their arguments as JSON
    objects; a tool result names its tool (``tool_name``), found from the AI message that
    called it when the `ToolMessage` has no name.

    Raises:
        ValueError: a message of a kind Ollama has no role for, or an image given by URL
            (Ollama takes image data only).
    """
    names: dict[str, str] = {}
    out = []
    for message in messages:
        if isinstance(message, AIMessage):
            names.update({call["id"]: call["name"] for call in message.tool_calls if call["id"]})
        out.append(_message(message, names))
    return out


def _message(message: BaseMessage, names: Mapping[str, str]) -> dict[str, Any]:
    if isinstance(message, HumanMessage):
        out: dict[str, Any] = {"role": "user", "content": message.text}
        images = _images(message.content)
        if images:
            out["images"] = images
        return out
    if isinstance(message, SystemMessage):
        return {"role": "system", "content": message.text}
    if isinstance(message, AIMessage):
        out = {"role": "assistant", "content": message.text}
        if message.tool_calls:
            out["tool_calls"] = [
                {
                    "type": "function",
                    "id": call["id"],
                    "function": {"name": call["name"], "arguments": call["args"]},
                }
                for call in message.tool_calls
            ]
        thinking = message.additional_kwargs.get("reasoning_content")
        if thinking:
            out["thinking"] = thinking
        return out
    if isinstance(message, ToolMessage):
        out = {"role": "tool", "content": message.text, "tool_call_id": message.tool_call_id}
        name = message.name or names.get(message.tool_call_id)
        if name:
            out["tool_name"] = name
        return out
    if isinstance(message, ChatMessage):
        return {"role": message.role, "content": message.text}
    raise ValueError(
        f"Ollama cannot take a {type(message).__name__}: use system, human, AI, tool or "
        "chat messages"
    )


def _images(content: str | list[Any]) -> list[str]:
    if isinstance(content, str):
        return []
    images = []
    for block in content:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "image_url":
            image = block.get("image_url")
            url = image.get("url") if isinstance(image, Mapping) else image
            images.append(_image_data(str(url)))
        elif block.get("type") == "image":
            data = block.get("base64") or block.get("data")
            if not data:
                raise ValueError("Ollama takes images as base64 data, not as URLs")
            images.append(str(data))
    return images


def _image_data(url: str) -> str:
    if url.startswith("data:"):
        return url.partition(",")[2]
    if url.startswith(("http://", "https://")):
        raise ValueError("Ollama takes images as base64 data, not as URLs")
    return url


def ollama_format(response_format: Mapping[str, Any]) -> str | dict[str, Any] | None:
    """Ollama's ``format`` for an OpenAI-style ``response_format``: ``"json"`` for JSON
    mode, the bare JSON schema for ``json_schema``, None for plain text."""
    kind = response_format.get("type")
    if kind == "json_object":
        return "json"
    if kind == "json_schema":
        spec = response_format.get("json_schema") or {}
        return dict(spec.get("schema") or spec)
    return None
