"""Prompt values: what a prompt template produces, readable as text or as messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SerializeAsAny

from runnel.messages import AnyMessage, BaseMessage, HumanMessage, get_buffer_string

__all__ = ["ChatPromptValue", "ChatPromptValueConcrete", "PromptValue", "StringPromptValue"]


class PromptValue(BaseModel):
    """A formatted prompt, for either kind of model: text models read `to_string()`, chat
    models `to_messages()`."""

    model_config = ConfigDict(frozen=True)

    def to_string(self) -> str:
        """The prompt as text."""
        raise NotImplementedError

    def to_messages(self) -> list[BaseMessage]:
        """The prompt as a list of messages."""
        raise NotImplementedError

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            if name != "type":
                yield name, value


class StringPromptValue(PromptValue):
    """A text prompt; as messages it is one `HumanMessage`.

    Attributes:
        text: The prompt text.
    """

    text: str
    type: Literal["StringPromptValue"] = "StringPromptValue"

    def to_string(self) -> str:
        """The text."""
        return self.text

    def to_messages(self) -> list[BaseMessage]:
        """One `HumanMessage` holding the text."""
        return [HumanMessage(self.text)]


class ChatPromptValue(PromptValue):
    """A list of messages; as text, one ``"<role>: <text>"`` line per message.

    Attributes:
        messages: The messages.
    """

    messages: list[SerializeAsAny[BaseMessage]]
    type: Literal["ChatPromptValue"] = "ChatPromptValue"

    def to_string(self) -> str:
        """The messages as ``Human: ...`` / ``AI: ...`` lines (see `get_buffer_string`)."""
        return get_buffer_string(self.messages)

    def to_messages(self) -> list[BaseMessage]:
        """A copy of the message list."""
        return list(self.messages)


class ChatPromptValueConcrete(ChatPromptValue):
    """A `ChatPromptValue` whose messages are typed concretely (for schemas and parsing)."""

    messages: list[AnyMessage]  # type: ignore[assignment]
    type: Literal["ChatPromptValueConcrete"] = "ChatPromptValueConcrete"  # type: ignore[assignment]
