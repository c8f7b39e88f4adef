"""Turn strings, (role, content) pairs and dicts into messages."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol, TypeAlias, runtime_checkable

from runnel.messages._ai import AIMessage
from runnel.messages._base import BaseMessage, MessageContent
from runnel.messages._human import HumanMessage
from runnel.messages._system import SystemMessage
from runnel.messages._tool import ToolMessage
from runnel.messages._tool_calls import InvalidToolCall, ToolCall, invalid_tool_call, tool_call

__all__ = ["MessageLikeRepresentation", "convert_to_messages"]

MessageLikeRepresentation: TypeAlias = (
    BaseMessage | str | tuple[str, MessageContent] | list[Any] | dict[str, Any]
)
"""What `convert_to_messages` accepts for one message."""

_ROLES: dict[str, type[BaseMessage]] = {
    "human": HumanMessage,
    "user": HumanMessage,
    "ai": AIMessage,
    "assistant": AIMessage,
    "system": SystemMessage,
    "developer": SystemMessage,
    "tool": ToolMessage,
}


@runtime_checkable
class _HasMessages(Protocol):
    def to_messages(self) -> list[BaseMessage]: ...


def convert_to_messages(
    messages: Iterable[MessageLikeRepresentation] | _HasMessages,
) -> list[BaseMessage]:
    """Turn strings, (role, content) tuples and dicts into messages.

    A string is a `HumanMessage`. A tuple (or two-item list) is ``(role, content)`` with role
    ``human``/``user``, ``ai``/``assistant``, ``system``/``developer`` or ``tool``. A dict has a
    ``role`` (or ``type``) and ``content``; its other keys become fields of the message
    (``name``, ``id``, ``tool_call_id``, ``tool_calls`` in LangChain or OpenAI form...) or, when
    the message class has no such field, ``additional_kwargs``. Messages pass through, and an
    object with ``to_messages()`` (a prompt value) gives its messages.

    Raises:
        ValueError: for an unknown role, a dict without ``content`` or role, a tuple that is not
            a pair, or a tool message without ``tool_call_id``.
        TypeError: for anything else.
    """
    if isinstance(messages, _HasMessages):
        return list(messages.to_messages())
    return [_to_message(message) for message in messages]


def _to_message(message: MessageLikeRepresentation) -> BaseMessage:
    if isinstance(message, BaseMessage):
        return message
    if isinstance(message, str):
        return HumanMessage(message)
    if isinstance(message, tuple | list):
        if len(message) != 2 or not isinstance(message[0], str):
            raise ValueError(f"A message tuple must be (role, content), got {message!r}.")
        return _from_role(message[0], message[1], {})
    if isinstance(message, dict):
        role = message.get("role", message.get("type"))
        if not isinstance(role, str):
            raise ValueError(
                f"A message dict needs a 'role' (or 'type'), got keys {list(message)}."
            )
        if "content" not in message:
            raise ValueError(f"A message dict needs a 'content', got keys {list(message)}.")
        extra = {k: v for k, v in message.items() if k not in ("role", "type", "content")}
        return _from_role(role, message["content"], extra)
    raise TypeError(
        f"Cannot turn a {type(message).__name__} into a message: use a message, a string, "
        "a (role, content) tuple or a dict."
    )


def _from_role(role: str, content: Any, extra: dict[str, Any]) -> BaseMessage:
    cls = _ROLES.get(role)
    if cls is None:
        raise ValueError(
            f"Unknown message role {role!r}; use one of {', '.join(map(repr, _ROLES))}."
        )
    fields: dict[str, Any] = {"additional_kwargs": dict(extra.pop("additional_kwargs", {}))}
    if role == "developer":
        fields["additional_kwargs"]["__openai_role__"] = "developer"
    if cls is AIMessage and "tool_calls" in extra:
        fields["tool_calls"], fields["invalid_tool_calls"] = _tool_calls(extra.pop("tool_calls"))
    if cls is ToolMessage and "tool_call_id" not in extra:
        raise ValueError(f"A {role!r} message needs a 'tool_call_id'.")
    for key, value in extra.items():
        if key in cls.model_fields:
            fields[key] = value
        else:
            fields["additional_kwargs"][key] = value
    return cls(content if content is not None else "", **fields)


def _tool_calls(calls: list[dict[str, Any]]) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """Read tool calls in LangChain form, or OpenAI form (``function.arguments`` as JSON)."""
    valid: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for call in calls:
        function = call.get("function")
        if not isinstance(function, dict):
            valid.append(call)  # type: ignore[arg-type]
            continue
        name, raw, call_id = function.get("name"), function.get("arguments"), call.get("id")
        try:
            args = raw if isinstance(raw, dict) else json.loads(raw) if raw else {}
        except ValueError as exc:
            error = f"Tool call arguments are not valid JSON: {exc}"
            invalid.append(invalid_tool_call(name=name, args=raw, id=call_id, error=error))
            continue
        if isinstance(args, dict):
            valid.append(tool_call(name=name or "", args=args, id=call_id))
        else:
            error = f"Tool call arguments must be a JSON object, got {type(args).__name__}"
            invalid.append(invalid_tool_call(name=name, args=raw, id=call_id, error=error))
    return valid, invalid
