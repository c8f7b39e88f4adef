"""Messages with an arbitrary role."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

from runnel.messages._base import BaseMessage, BaseMessageChunk, MessageContent

__all__ = ["ChatMessage", "ChatMessageChunk"]


class ChatMessage(BaseMessage):
    """A message whose author is named by `role` (for roles without a class of their own).

    Attributes:
        role: The author's role, as the provider names it.
    """

    type: Literal["chat"] = "chat"
    role: str

    _title: ClassVar[str] = "Chat Message"

    if TYPE_CHECKING:  # at run time BaseMessage.__init__ serves directly

        def __init__(self, content: MessageContent, **kwargs: Any) -> None:
            """Create a message; `content` may be given positionally."""
            super().__init__(content, **kwargs)


class ChatMessageChunk(ChatMessage, BaseMessageChunk):
    """A piece of a streamed `ChatMessage`; only chunks with the same `role` add up."""

    type: Literal["ChatMessageChunk"] = "ChatMessageChunk"  # type: ignore[assignment]

    _title: ClassVar[str] = "Chat Message Chunk"

    if TYPE_CHECKING:  # at run time BaseMessage.__init__ serves directly

        def __init__(self, content: MessageContent, **kwargs: Any) -> None:
            """Create a message; `content` may be given positionally."""
            super().__init__(content, **kwargs)

    @classmethod
    def _merge_fields(cls, chunks: Sequence[Self]) -> dict[str, Any]:
        role = chunks[0].role
        for chunk in chunks:
            if chunk.role != role:
                raise ValueError(
                    f"Cannot add ChatMessageChunks with different roles ({role!r}, {chunk.role!r})."
                )
        return {**super()._merge_fields(chunks), "role": role}
