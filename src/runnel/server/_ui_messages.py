"""Reading what the AI SDK's `useChat` sends: a chat id and the whole conversation as UI messages.

A UI message is ``{"id", "role": "system"|"user"|"assistant", "parts": [...], "metadata"?}``.
The conversation becomes runnel messages so:

* text parts become the content (one text part: a string; several, or files: content blocks);
* user ``file`` parts become ``image_url`` blocks (images) or ``file`` blocks (anything else);
* an assistant message is split at each ``step-start``: each step is an `AIMessage` with its
  text and the tool calls it made, followed by a `ToolMessage` per call that has an output
  (``output-available``) or an error (``output-error``); calls still without a result are
  left out, since a model cannot be shown a call without its answer;
* reasoning, sources, data parts and anything else are not sent back to the model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runnel.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from runnel.server._errors import HTTPProblem

__all__ = ["UIChatRequest", "parse_ui_chat_request", "ui_messages_to_messages"]


@dataclass(frozen=True, slots=True)
class UIChatRequest:
    """What runnel reads from a `useChat` request.

    Attributes:
        chat_id: The chat's id (`id`), if sent.
        messages: The conversation, as runnel messages.
        trigger: ``submit-message`` or ``regenerate-message``.
        message_id: The message being regenerated, if any.
        config: A `config` object sent in the request body (`body` option), if any.
    """

    chat_id: str | None
    messages: list[BaseMessage]
    trigger: str = "submit-message"
    message_id: str | None = None
    config: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def parse_ui_chat_request(body: Any) -> UIChatRequest:
    """Read a `useChat` request body; extra top-level keys are kept in `extra`.

    Raises:
        HTTPProblem: 400 when the body is not an object or its messages are malformed.
    """
    if not isinstance(body, Mapping):
        raise HTTPProblem(400, "The request body must be a JSON object.")
    chat_id = body.get("id")
    trigger = body.get("trigger")
    message_id = body.get("messageId")
    known = ("id", "messages", "trigger", "messageId", "config")
    return UIChatRequest(
        chat_id=chat_id if isinstance(chat_id, str) else None,
        messages=ui_messages_to_messages(body.get("messages")),
        trigger=trigger if isinstance(trigger, str) else "submit-message",
        message_id=message_id if isinstance(message_id, str) else None,
        config=body.get("config"),
        extra={k: v for k, v in body.items() if k not in known},
    )


def ui_messages_to_messages(raw: Any) -> list[BaseMessage]:
    """Turn a list of UI messages into runnel messages (see the module docstring).

    Raises:
        HTTPProblem: 400 naming the first malformed message.
    """
    if not isinstance(raw, list) or not raw:
        raise HTTPProblem(400, "'messages' must be a non-empty array of UI messages.")
    out: list[BaseMessage] = []
    for position, message in enumerate(raw):
        where = f"messages[{position}]"
        if not isinstance(message, Mapping):
            raise HTTPProblem(400, f"{where} must be an object.")
        parts = message.get("parts")
        if not isinstance(parts, list) or not all(isinstance(p, Mapping) for p in parts):
            raise HTTPProblem(400, f"{where}.parts must be an array of objects.")
        role = message.get("role")
        message_id = message.get("id") if isinstance(message.get("id"), str) else None
        if role == "user":
            out.append(HumanMessage(_content(parts), id=message_id))
        elif role == "system":
            out.append(SystemMessage(_content(parts), id=message_id))
        elif role == "assistant":
            out.extend(_assistant(parts, message_id))
        else:
            raise HTTPProblem(
                400, f"{where}.role must be 'system', 'user' or 'assistant', got {role!r}."
            )
    return out


def _content(parts: list[Mapping[str, Any]]) -> str | list[str | dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for part in parts:
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("text"), str):
            blocks.append({"type": "text", "text": part["text"]})
        elif kind == "file" and isinstance(part.get("url"), str):
            media = part.get("mediaType")
            if isinstance(media, str) and media.startswith("image/"):
                blocks.append({"type": "image_url", "image_url": {"url": part["url"]}})
            else:
                block = {"type": "file", "url": part["url"], "mime_type": media}
                if isinstance(part.get("filename"), str):
                    block["filename"] = part["filename"]
                blocks.append(block)
    if not blocks:
        return ""
    if len(blocks) == 1 and blocks[0]["type"] == "text":
        return str(blocks[0]["text"])
    return list[str | dict[str, Any]](blocks)


def _tool_name(part: Mapping[str, Any]) -> str | None:
    kind = part.get("type")
    if kind == "dynamic-tool":
        name = part.get("toolName")
        return name if isinstance(name, str) else None
    if isinstance(kind, str) and kind.startswith("tool-"):
        return kind[len("tool-") :]
    return None


def _assistant(parts: list[Mapping[str, Any]], message_id: str | None) -> list[BaseMessage]:
    out: list[BaseMessage] = []
    text: list[str] = []
    calls: list[dict[str, Any]] = []
    results: list[ToolMessage] = []

    def flush() -> None:
        if text or calls:
            step_id = message_id if not out else None
            out.append(AIMessage("".join(text), tool_calls=list(calls), id=step_id))
            out.extend(results)
        text.clear()
        calls.clear()
        results.clear()

    for part in parts:
        kind = part.get("type")
        if kind == "step-start":
            flush()
        elif kind == "text" and isinstance(part.get("text"), str):
            text.append(part["text"])
        else:
            name = _tool_name(part)
            call_id = part.get("toolCallId")
            if name is None or not isinstance(call_id, str):
                continue
            state = part.get("state")
            if state == "output-available":
                output = part.get("output")
                content = output if isinstance(output, str) else json.dumps(output)
                results.append(ToolMessage(content, tool_call_id=call_id, name=name))
            elif state == "output-error":
                error = part.get("errorText")
                content = error if isinstance(error, str) else "The tool failed."
                results.append(
                    ToolMessage(content, tool_call_id=call_id, name=name, status="error")
                )
            else:
                continue
            args = part.get("input")
            calls.append(
                {
                    "name": name,
                    "args": args if isinstance(args, dict) else {"input": args},
                    "id": call_id,
                    "type": "tool_call",
                }
            )
    flush()
    return out
