"""How a chat client's conversation becomes the input of the served runnable.

Chat clients (OpenAI's SDK, the AI SDK's `useChat`) send a list of messages. An *input
adapter* turns that list into what the runnable takes. The default is inferred from the
runnable's input schema:

* a string: the text of the last user message;
* an object with one message list and nothing else required (``{messages}``): all messages;
* an object with one message list and one required string (``{history, question}``): the
  earlier messages and the last user text;
* an object with one required string (``{question}``): the last user text;
* anything else (a chat model, a list, no schema): the list of messages.

Declare an adapter to choose otherwise: `messages_input`, `last_user_text`, or any callable
taking the messages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from runnel.messages import BaseMessage, HumanMessage

__all__ = [
    "InputAdapter",
    "InputAdapterError",
    "infer_input_adapter",
    "last_user_text",
    "messages_input",
]

InputAdapter = Callable[[list[BaseMessage]], Any]
"""Turns the conversation into the input of the served runnable."""


class InputAdapterError(ValueError):
    """The conversation cannot be turned into the runnable's input.

    Attributes:
        status_code: 400 when the conversation is at fault (no user message), 500 when the
            server is (no adapter fits the runnable's input).
    """

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code


def messages_input(messages: list[BaseMessage]) -> list[BaseMessage]:
    """The conversation as it is: a list of messages."""
    return messages


def last_user_text(messages: list[BaseMessage]) -> str:
    """The text of the last user message.

    Raises:
        InputAdapterError: no user message.
    """
    return _split_last_user(messages)[1]


def _split_last_user(messages: list[BaseMessage]) -> tuple[list[BaseMessage], str]:
    for position in range(len(messages) - 1, -1, -1):
        if isinstance(messages[position], HumanMessage):
            return messages[:position], messages[position].text
    raise InputAdapterError("The conversation has no user message to answer.")


def _keyed(
    messages_key: str | None, text_key: str | None
) -> Callable[[list[BaseMessage]], dict[str, Any]]:
    def adapt(messages: list[BaseMessage]) -> dict[str, Any]:
        if text_key is None:
            assert messages_key is not None
            return {messages_key: messages}
        history, text = _split_last_user(messages)
        out: dict[str, Any] = {text_key: text}
        if messages_key is not None:
            out[messages_key] = history
        return out

    return adapt


def infer_input_adapter(schema: Mapping[str, Any]) -> InputAdapter:
    """The default adapter for a runnable with this input JSON schema (see the module table)."""
    if schema.get("type") == "string":
        return last_user_text
    properties = schema.get("properties")
    if schema.get("type") != "object" and not isinstance(properties, Mapping):
        return messages_input
    if not isinstance(properties, Mapping):
        return messages_input
    required: Sequence[str] = schema.get("required") or ()
    lists = [name for name, prop in properties.items() if _is_list(prop)]
    strings = [
        name
        for name in required
        if name not in lists and isinstance(properties.get(name), Mapping)
        if properties[name].get("type") == "string"
    ]
    others = [name for name in required if name not in lists and name not in strings]
    if others or len(lists) > 1 or len(strings) > 1:
        return _unsupported(schema, others or lists or strings)
    if not lists and not strings:
        return _unsupported(schema, list(properties))
    return _keyed(lists[0] if lists else None, strings[0] if strings else None)


def _is_list(prop: Any) -> bool:
    if not isinstance(prop, Mapping):
        return False
    if prop.get("type") == "array":
        return True
    options = prop.get("anyOf") or prop.get("oneOf") or ()
    return any(isinstance(option, Mapping) and option.get("type") == "array" for option in options)


def _unsupported(schema: Mapping[str, Any], keys: Sequence[str]) -> InputAdapter:
    title = schema.get("title", "input")

    def adapt(messages: list[BaseMessage]) -> Any:
        raise InputAdapterError(
            f"Cannot tell how to fill {title} (keys {', '.join(map(repr, keys))}) from a "
            "conversation; declare an input adapter for this endpoint.",
            status_code=500,
        )

    return adapt
