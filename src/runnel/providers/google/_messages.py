"""Messages as Gemini ``contents`` and a ``systemInstruction`` (google-genai's dict shapes).

* System messages (wherever they are) become the ``systemInstruction``, in order.
* Human messages are ``user`` turns; AI messages ``model`` turns whose tool calls become
  ``functionCall`` parts (with the thought signature Gemini gave each call, which Gemini 3
  models require back).
* Tool messages become ``functionResponse`` parts; consecutive ones share one ``user`` turn,
  as Gemini expects the answers to parallel calls together. A JSON object result is sent as
  the response, anything else as ``{"output": ...}`` (``{"error": ...}`` for a tool message
  with ``status="error"``).
* Content blocks: text, images and files given as base64 data (``inline_data``) or by URL /
  URI (``file_data``; Gemini fetches it). Thinking blocks are not sent back.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import mimetypes
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

__all__ = ["SIGNATURES_KEY", "to_contents"]

#: ``additional_kwargs`` key of an AI message that maps tool call ids to thought signatures.
SIGNATURES_KEY = "__gemini_function_call_thought_signatures__"

_ROLES = {
    "user": "user",
    "human": "user",
    "model": "model",
    "ai": "model",
    "assistant": "model",
    "system": "system",
}
_SKIPPED_BLOCKS = frozenset(
    {"thinking", "reasoning", "redacted_thinking", "tool_use", "tool_call", "tool_call_chunk"}
)


def to_contents(
    messages: Sequence[BaseMessage],
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The ``systemInstruction`` (None without system messages) and ``contents`` of a chat.

    Raises:
        ValueError: a message type or content block Gemini cannot take, or a chat without
            any message besides system ones.
    """
    system: list[dict[str, Any]] = []
    contents: list[dict[str, Any]] = []
    names: dict[str, str] = {}  # tool call id -> tool name, for tool messages without a name
    for message in messages:
        if isinstance(message, ToolMessage):
            part = _function_response(message, names)
            if contents and contents[-1].get("_tool_results"):
                contents[-1]["parts"].append(part)
            else:
                contents.append({"role": "user", "parts": [part], "_tool_results": True})
            continue
        role = _role(message)
        if role == "system":
            system.extend(_parts(message.content))
            continue
        parts = _parts(message.content)
        if isinstance(message, AIMessage) and message.tool_calls:
            signatures = message.additional_kwargs.get(SIGNATURES_KEY) or {}
            for call in message.tool_calls:
                if call["id"]:
                    names[call["id"]] = call["name"]
                function: dict[str, Any] = {
                    "function_call": {"name": call["name"], "args": call["args"]}
                }
                signature = signatures.get(call["id"]) if call["id"] else None
                if signature:
                    function["thought_signature"] = _decode(signature, "thought signature")
                parts.append(function)
        if parts:
            contents.append({"role": role, "parts": parts})
    for content in contents:
        content.pop("_tool_results", None)
    if not contents:
        raise ValueError(
            "Gemini needs at least one message besides system messages (a human message...)"
        )
    instruction = {"parts": system} if system else None
    return instruction, contents


def _role(message: BaseMessage) -> str:
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, AIMessage):
        return "model"
    if isinstance(message, ChatMessage) and message.role.lower() in _ROLES:
        return _ROLES[message.role.lower()]
    raise ValueError(
        f"Gemini cannot take a {type(message).__name__} "
        f"(role {getattr(message, 'role', message.type)!r}): use system, human, AI or tool "
        "messages"
    )


def _function_response(message: ToolMessage, names: Mapping[str, str]) -> dict[str, Any]:
    name = message.name or names.get(message.tool_call_id)
    if not name:
        raise ValueError(
            f"tool message {message.tool_call_id!r} answers no tool call of an earlier AI "
            "message and has no name: Gemini needs the function's name"
        )
    content = message.content
    value: Any = content if isinstance(content, str) else _text(content)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if message.status == "error":
        response = {"error": value}
    elif isinstance(value, dict):
        response = value
    else:
        response = {"output": value}
    return {"function_response": {"name": name, "response": response}}


def _text(content: list[Any]) -> str:
    pieces = []
    for block in content:
        if isinstance(block, str):
            pieces.append(block)
        elif isinstance(block, Mapping) and block.get("type") == "text":
            pieces.append(str(block.get("text", "")))
    return "".join(pieces)


def _parts(content: str | list[Any]) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: list[dict[str, Any]] = []
    for block in content:
        part = _part(block)
        if part is not None:
            parts.append(part)
    return parts


def _part(block: Any) -> dict[str, Any] | None:
    """One content block as a Gemini part (None for blocks that are not sent)."""
    if isinstance(block, str):
        return {"text": block} if block else None
    if not isinstance(block, Mapping):
        raise ValueError(f"Gemini cannot take the content block {block!r}")
    kind = block.get("type")
    if kind == "text":
        text = block.get("text") or ""
        return {"text": text} if text else None
    if kind in _SKIPPED_BLOCKS:
        return None
    if kind == "image_url":
        url = block["image_url"]
        return _media(url["url"] if isinstance(url, Mapping) else url, None)
    if kind in ("image", "file", "audio", "video", "media"):
        mime = block.get("mime_type")
        if block.get("source_type") == "base64" or "base64" in block:
            return _inline(block.get("base64") or block["data"], mime)
        if "data" in block:
            data = block["data"]
            return _inline(data, mime) if isinstance(data, str) else _blob(data, mime)
        url = block.get("url") or block.get("file_uri") or block.get("uri")
        if url:
            return _media(str(url), mime)
    raise ValueError(
        f"Gemini cannot take a content block of type {kind!r}: use text, image_url, or "
        "image / file / audio / video blocks with base64 data or a URL"
    )


def _media(url: str, mime: str | None) -> dict[str, Any]:
    if url.startswith("data:"):
        head, _, data = url.partition(",")
        return _inline(data, head[5:].split(";")[0] or mime)
    guessed = mime or mimetypes.guess_type(url)[0] or "application/octet-stream"
    return {"file_data": {"file_uri": url, "mime_type": guessed}}


def _inline(data: str, mime: str | None) -> dict[str, Any]:
    return _blob(_decode(data, "base64 data"), mime)


def _blob(data: bytes, mime: str | None) -> dict[str, Any]:
    if not mime:
        raise ValueError("Gemini needs the mime_type of inline data (e.g. 'image/png')")
    return {"inline_data": {"data": data, "mime_type": mime}}


def _decode(data: str, what: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"invalid {what}: not base64") from error
