"""Messages that instruct the model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from runnel.messages._base import BaseMessage, BaseMessageChunk, MessageContent

__all__ = ["SystemMessage", "SystemMessageChunk"]


class SystemMessage(BaseMessage):
    """A message that sets up the model's behaviour, usually first in the conversation."""

    type: Literal["system"] = "system"

    _title: ClassVar[str] = "System Message"

    if TYPE_CHECKING:  # at run time BaseMessage.__init__ serves directly

        def __init__(self, content: MessageContent, **kwargs: Any) -> None:
            """Create a message; `content` may be given positionally."""
            super().__init__(content, **kwargs)


class SystemMessageChunk(SystemMessage, BaseMessageChunk):
    """A piece of a streamed `SystemMessage`."""

    type: Literal["SystemMessageChunk"] = "SystemMessageChunk"  # type: ignore[assignment]

    _title: ClassVar[str] = "System Message Chunk"

    if TYPE_CHECKING:  # at run time BaseMessage.__init__ serves directly

        def __init__(self, content: MessageContent, **kwargs: Any) -> None:
            """Create a message; `content` may be given positionally."""
            super().__init__(content, **kwargs)
