"""One reply of a chat model, and its streamed pieces."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Self

from pydantic import SerializeAsAny, field_validator, model_validator

from runnel.messages._base import (
    BaseMessage,
    BaseMessageChunk,
    construct,
    fill,
    merge_message_chunks,
    unshare,
)
from runnel.messages._merge import METADATA, merge_dicts
from runnel.messages._shared import fields_set
from runnel.messages._utils import messages_from_dict
from runnel.outputs._generation import Generation

__all__ = ["ChatGeneration", "ChatGenerationChunk", "merge_chat_generation_chunks"]


# Per class: its `type` value and the message class that needs no validation ("" when the
# class has fields of its own and must validate).
_FAST: dict[type[Any], tuple[str, type[BaseMessage]]] = {}
_FIELDS = frozenset({"text", "generation_info", "type", "message"})
_MESSAGE = fields_set(("message",))


def _fast_path(cls: type[ChatGeneration]) -> tuple[str, type[BaseMessage]]:
    kind = cls.model_fields["type"].default if set(cls.model_fields) == _FIELDS else ""
    message = BaseMessageChunk if issubclass(cls, ChatGenerationChunk) else BaseMessage
    _FAST[cls] = (kind, message)
    return kind, message


class ChatGeneration(Generation):
    """One reply of a chat model: a message, whose text is also in `text`.

    Attributes:
        message: The reply.
        text: The message's text (derived; any value given is replaced).
    """

    text: str = ""
    type: Literal["ChatGeneration"] = "ChatGeneration"  # type: ignore[assignment]
    message: SerializeAsAny[BaseMessage]

    def __init__(self, **kwargs: Any) -> None:
        fast = _FAST.get(type(self)) or _fast_path(type(self))
        message = kwargs.get("message")
        info = kwargs.get("generation_info")
        if (
            fast[0]
            and isinstance(message, fast[1])
            and (info is None or type(info) is dict)
            and len(kwargs) == 1 + ("generation_info" in kwargs)
        ):
            # The common case, per streamed token: nothing to validate.
            content = message.content
            fields = {
                "text": content if type(content) is str else message.text,
                "generation_info": info,
                "type": fast[0],
                "message": message,
            }
            fill(self, fields, _MESSAGE if len(kwargs) == 1 else fields_set(kwargs))
            return
        super().__init__(**kwargs)

    def __setattr__(self, name: str, value: Any) -> None:
        unshare(self)
        super().__setattr__(name, value)

    @field_validator("message", mode="before")
    @classmethod
    def _message_from_dict(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return messages_from_dict([{"type": value.get("type"), "data": value}])[0]
        return value

    @model_validator(mode="after")
    def _set_text(self) -> Self:
        self.text = self.message.text
        return self


class ChatGenerationChunk(ChatGeneration):
    """A piece of a streamed `ChatGeneration`.

    ``a + b`` adds the messages (see `merge_message_chunks`) and merges `generation_info` as
    `GenerationChunk` does.
    """

    type: Literal["ChatGenerationChunk"] = "ChatGenerationChunk"  # type: ignore[assignment]
    message: SerializeAsAny[BaseMessageChunk]

    @classmethod
    def _merge_many(cls, chunks: Sequence[ChatGenerationChunk]) -> ChatGenerationChunk:
        """Add up chunks in one pass (used when folding a stream)."""
        return _merge(chunks)

    def __add__(self, other: object) -> ChatGenerationChunk:
        """Add a `ChatGenerationChunk`, or a list of them."""
        if isinstance(other, ChatGenerationChunk):
            return _merge((self, other))
        if isinstance(other, list) and all(isinstance(o, ChatGenerationChunk) for o in other):
            return _merge((self, *other))
        return NotImplemented


def merge_chat_generation_chunks(
    chunks: Sequence[ChatGenerationChunk],
) -> ChatGenerationChunk | None:
    """Add up chat generation chunks in one pass; `None` if there are none.

    Raises:
        TypeError: if the chunks' messages are of different classes.
    """
    if not chunks:
        return None
    return _merge(chunks)


def _merge(chunks: Sequence[ChatGenerationChunk]) -> ChatGenerationChunk:
    if len(chunks) == 1:
        return chunks[0]
    message = merge_message_chunks([chunk.message for chunk in chunks])
    infos = [chunk.generation_info for chunk in chunks if chunk.generation_info]
    info: dict[str, Any] | None = None
    if infos:
        info = merge_dicts(infos, METADATA, "generation_info")
    return construct(
        ChatGenerationChunk,
        {
            "text": message.text,
            "generation_info": info,
            "type": "ChatGenerationChunk",
            "message": message,
        },
    )
