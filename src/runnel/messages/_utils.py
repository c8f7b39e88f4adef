"""Helpers over message lists: the message union, dict form, chunk-to-message, plain text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from pydantic import Field

from runnel.messages._ai import AIMessage, AIMessageChunk
from runnel.messages._base import BaseMessage, BaseMessageChunk
from runnel.messages._chat import ChatMessage, ChatMessageChunk
from runnel.messages._human import HumanMessage, HumanMessageChunk
from runnel.messages._shared import EMPTY
from runnel.messages._system import SystemMessage, SystemMessageChunk
from runnel.messages._tool import ToolMessage, ToolMessageChunk

__all__ = [
    "AnyMessage",
    "get_buffer_string",
    "message_chunk_to_message",
    "messages_from_dict",
]

AnyMessage = Annotated[
    AIMessage
    | HumanMessage
    | ChatMessage
    | SystemMessage
    | ToolMessage
    | AIMessageChunk
    | HumanMessageChunk
    | ChatMessageChunk
    | SystemMessageChunk
    | ToolMessageChunk,
    Field(discriminator="type"),
]
"""Any message class, told apart by its `type` (usable as a pydantic field type)."""

_CLASSES: dict[str, type[BaseMessage]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        AIMessage,
        HumanMessage,
        ChatMessage,
        SystemMessage,
        ToolMessage,
        AIMessageChunk,
        HumanMessageChunk,
        ChatMessageChunk,
        SystemMessageChunk,
        ToolMessageChunk,
    )
}


def messages_from_dict(messages: Sequence[dict[str, Any]]) -> list[BaseMessage]:
    """Rebuild messages from ``{"type": ..., "data": {...}}`` dicts (see `message_to_dict`).

    Raises:
        ValueError: if a dict's ``type`` is not a message type.
        pydantic.ValidationError: if its ``data`` does not fit the message class.
    """
    out: list[BaseMessage] = []
    for message in messages:
        cls = _CLASSES.get(message.get("type", ""))
        if cls is None:
            raise ValueError(
                f"Unknown message type {message.get('type')!r}; "
                f"expected one of {', '.join(map(repr, _CLASSES))}."
            )
        out.append(cls.model_validate(message["data"]))
    return out


def message_chunk_to_message(chunk: BaseMessage) -> BaseMessage:
    """Turn a chunk into the complete message class (`AIMessageChunk` -> `AIMessage`).

    Chunk-only fields (`tool_call_chunks`, `chunk_position`) are dropped; a message that is not
    a chunk is returned unchanged.
    """
    if not isinstance(chunk, BaseMessageChunk):
        return chunk
    target = next(
        cls
        for cls in type(chunk).__mro__
        if issubclass(cls, BaseMessage)
        and not issubclass(cls, BaseMessageChunk)
        and cls is not BaseMessage
    )
    fields = {name: getattr(chunk, name) for name in target.model_fields if name != "type"}
    for name, value in fields.items():
        if value is EMPTY:  # a chunk's shared empty list: the message owns a list of its own
            fields[name] = []
    return target.model_construct(**fields)


def get_buffer_string(
    messages: Iterable[BaseMessage],
    human_prefix: str = "Human",
    ai_prefix: str = "AI",
    *,
    system_prefix: str = "System",
    tool_prefix: str = "Tool",
    message_separator: str = "\n",
) -> str:
    """Render messages as ``"<role>: <text>"`` lines, as for a completion model's prompt.

    A chat message's prefix is its `role`; an AI message's tool calls follow its text.

    Raises:
        TypeError: if a message is not one of the message classes.
    """
    lines = []
    for message in messages:
        if isinstance(message, HumanMessage):
            prefix = human_prefix
        elif isinstance(message, AIMessage):
            prefix = ai_prefix
        elif isinstance(message, SystemMessage):
            prefix = system_prefix
        elif isinstance(message, ToolMessage):
            prefix = tool_prefix
        elif isinstance(message, ChatMessage):
            prefix = message.role
        else:
            raise TypeError(f"Cannot render a {type(message).__name__} in a buffer string.")
        text = message.text
        if isinstance(message, AIMessage) and message.tool_calls:
            text += str(message.tool_calls)
        lines.append(f"{prefix}: {text}")
    return message_separator.join(lines)
