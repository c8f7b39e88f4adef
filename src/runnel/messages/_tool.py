"""Messages that carry a tool's result back to the model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self
from uuid import UUID

from pydantic import field_validator

from runnel.messages._base import BaseMessage, BaseMessageChunk, MessageContent
from runnel.messages._merge import CONCAT, merge_dicts

__all__ = ["ToolMessage", "ToolMessageChunk"]


class ToolMessage(BaseMessage):
    """The result of a tool call, passed back to the model.

    Content that is neither a string nor a list is turned into a string (a tool returning
    ``5`` gives ``"5"``).

    Attributes:
        tool_call_id: The id of the tool call this message answers.
        artifact: Output of the tool that is not sent to the model (e.g. raw data).
        status: ``"error"`` if the tool failed.
    """

    type: Literal["tool"] = "tool"
    tool_call_id: str
    artifact: Any = None
    status: Literal["success", "error"] = "success"

    _title: ClassVar[str] = "Tool Message"

    if TYPE_CHECKING:  # at run time BaseMessage.__init__ serves directly

        def __init__(self, content: MessageContent, **kwargs: Any) -> None:
            """Create a message; `content` may be given positionally."""
            super().__init__(content, **kwargs)

    @field_validator("content", mode="before")
    @classmethod
    def _stringify_content(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            return [item if isinstance(item, str | dict) else str(item) for item in value]
        return str(value)

    @field_validator("tool_call_id", mode="before")
    @classmethod
    def _stringify_id(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | UUID) else value


class ToolMessageChunk(ToolMessage, BaseMessageChunk):
    """A piece of a streamed `ToolMessage`; only chunks with the same `tool_call_id` add up.

    When chunks add up, `status` is ``"error"`` if any chunk's is, and `artifact` values merge:
    lists concatenate, dicts merge like ``additional_kwargs``, strings concatenate, and any other
    value replaces the previous one (``None`` never does).
    """

    type: Literal["ToolMessageChunk"] = "ToolMessageChunk"  # type: ignore[assignment]

    _title: ClassVar[str] = "Tool Message Chunk"

    if TYPE_CHECKING:  # at run time BaseMessage.__init__ serves directly

        def __init__(self, content: MessageContent, **kwargs: Any) -> None:
            """Create a message; `content` may be given positionally."""
            super().__init__(content, **kwargs)

    @classmethod
    def _merge_fields(cls, chunks: Sequence[Self]) -> dict[str, Any]:
        call_id = chunks[0].tool_call_id
        for chunk in chunks:
            if chunk.tool_call_id != call_id:
                raise ValueError(
                    "Cannot add ToolMessageChunks with different tool_call_id "
                    f"({call_id!r}, {chunk.tool_call_id!r})."
                )
        artifact = None
        for chunk in chunks:
            artifact = _merge_artifacts(artifact, chunk.artifact)
        error = any(chunk.status == "error" for chunk in chunks)
        return {
            **super()._merge_fields(chunks),
            "tool_call_id": call_id,
            "artifact": artifact,
            "status": "error" if error else "success",
        }


def _merge_artifacts(left: Any, right: Any) -> Any:
    if left is None:
        return right
    if right is None:
        return left
    if isinstance(left, list) and isinstance(right, list):
        return left + right
    if isinstance(left, dict) and isinstance(right, dict):
        return merge_dicts((left, right), CONCAT, "artifact")
    if isinstance(left, str) and isinstance(right, str):
        return left + right
    return right
