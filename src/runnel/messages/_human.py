"""Messages written by the user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from runnel.messages._base import BaseMessage, BaseMessageChunk, MessageContent

__all__ = ["HumanMessage", "HumanMessageChunk"]


class HumanMessage(BaseMessage):
    """A message written by the user."""

    type: Literal["human"] = "human"

    _title: ClassVar[str] = "Human Message"

    if TYPE_CHECKING:  # at run time BaseMessage.__init__ serves directly

        def __init__(self, content: MessageContent, **kwargs: Any) -> None:
            """Create a message; `content` may be given positionally."""
            super().__init__(content, **kwargs)


class HumanMessageChunk(HumanMessage, BaseMessageChunk):
    """A piece of a streamed `HumanMessage`."""

    type: Literal["HumanMessageChunk"] = "HumanMessageChunk"  # type: ignore[assignment]

    _title: ClassVar[str] = "Human Message Chunk"

    if TYPE_CHECKING:  # at run time BaseMessage.__init__ serves directly

        def __init__(self, content: MessageContent, **kwargs: Any) -> None:
            """Create a message; `content` may be given positionally."""
            super().__init__(content, **kwargs)
