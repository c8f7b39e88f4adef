"""Messages written by a model, with their tool calls and token usage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

from pydantic import Field, field_validator, model_validator

from runnel.messages._base import (
    BaseMessage,
    BaseMessageChunk,
    MessageContent,
    merge_message_chunks,
)
from runnel.messages._tool_calls import (
    InvalidToolCall,
    ToolCall,
    ToolCallChunk,
    chunks_from_tool_calls,
    merge_tool_call_chunks,
    parse_tool_call_chunks,
)
from runnel.messages._usage import UsageMetadata, add_usage

__all__ = ["AIMessage", "AIMessageChunk", "add_ai_message_chunks"]


class AIMessage(BaseMessage):
    """A message written by a model.

    Attributes:
        tool_calls: Tool calls with parsed arguments; dicts missing ``type`` (or ``id``) are
            completed.
        invalid_tool_calls: Tool calls whose arguments could not be parsed.
        usage_metadata: Token counts, when the provider reports them.
    """

    type: Literal["ai"] = "ai"
    tool_calls: list[ToolCall] = Field(default_factory=list)
    invalid_tool_calls: list[InvalidToolCall] = Field(default_factory=list)
    usage_metadata: UsageMetadata | None = None

    _title: ClassVar[str] = "Ai Message"

    if TYPE_CHECKING:  # at run time BaseMessage.__init__ serves directly

        def __init__(self, content: MessageContent, **kwargs: Any) -> None:
            """Create a message; `content` may be given positionally."""
            super().__init__(content, **kwargs)

    @field_validator("tool_calls", mode="before")
    @classmethod
    def _complete_tool_calls(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [
            {"id": None, "type": "tool_call", **call} if isinstance(call, dict) else call
            for call in value
        ]

    @field_validator("invalid_tool_calls", mode="before")
    @classmethod
    def _complete_invalid_tool_calls(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        defaults = {"name": None, "args": None, "id": None, "error": None}
        return [
            {**defaults, "type": "invalid_tool_call", **call} if isinstance(call, dict) else call
            for call in value
        ]

    def _pretty_details(self) -> list[str]:
        lines: list[str] = []
        if self.tool_calls:
            lines.append("Tool Calls:")
            for call in self.tool_calls:
                lines.extend(_pretty_call(call["name"], call["id"], None, call["args"]))
        if self.invalid_tool_calls:
            lines.append("Invalid Tool Calls:")
            for bad in self.invalid_tool_calls:
                lines.extend(_pretty_call(bad["name"], bad["id"], bad["error"], bad["args"]))
        return lines


class AIMessageChunk(AIMessage, BaseMessageChunk):
    """A piece of a streamed `AIMessage`.

    `tool_calls` and `invalid_tool_calls` are always derived from `tool_call_chunks` (each
    ``args`` read as partial JSON); a chunk built from `tool_calls` alone gets matching
    unindexed `tool_call_chunks`.

    Attributes:
        tool_call_chunks: Pieces of tool calls; pieces with the same ``index`` add up.
        chunk_position: ``"last"`` on the final chunk of a stream.
    """

    type: Literal["AIMessageChunk"] = "AIMessageChunk"  # type: ignore[assignment]
    tool_call_chunks: list[ToolCallChunk] = Field(default_factory=list)
    chunk_position: Literal["last"] | None = None

    _title: ClassVar[str] = "Ai Message Chunk"

    if TYPE_CHECKING:  # at run time BaseMessage.__init__ serves directly

        def __init__(self, content: MessageContent, **kwargs: Any) -> None:
            """Create a message; `content` may be given positionally."""
            super().__init__(content, **kwargs)

    @field_validator("tool_call_chunks", mode="before")
    @classmethod
    def _complete_tool_call_chunks(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        defaults = {"name": None, "args": None, "id": None, "index": None}
        return [
            {**defaults, "type": "tool_call_chunk", **chunk} if isinstance(chunk, dict) else chunk
            for chunk in value
        ]

    @model_validator(mode="after")
    def _sync_tool_calls(self) -> Self:
        if self.tool_call_chunks:
            self.tool_calls, self.invalid_tool_calls = parse_tool_call_chunks(self.tool_call_chunks)
        elif self.tool_calls or self.invalid_tool_calls:
            self.tool_call_chunks = chunks_from_tool_calls(self.tool_calls, self.invalid_tool_calls)
        return self

    @classmethod
    def _merge_fields(cls, chunks: Sequence[Self]) -> dict[str, Any]:
        fields = super()._merge_fields(chunks)
        with_calls: list[Self] = []
        usages: list[UsageMetadata] = []
        last = False
        for chunk in chunks:
            values = chunk.__dict__
            if values["tool_call_chunks"] or values["tool_calls"] or values["invalid_tool_calls"]:
                with_calls.append(chunk)
            if values["usage_metadata"] is not None:
                usages.append(values["usage_metadata"])
            if values["chunk_position"] == "last":
                last = True
        tool_chunks: list[ToolCallChunk] = []
        calls: list[ToolCall] = []
        invalid: list[InvalidToolCall] = []
        if len(with_calls) == 1:
            # Already merged and parsed: adding text to a tool call must not re-parse it.
            only = with_calls[0]
            tool_chunks = list(only.tool_call_chunks)
            calls, invalid = list(only.tool_calls), list(only.invalid_tool_calls)
        elif with_calls:
            tool_chunks = merge_tool_call_chunks(chunk.tool_call_chunks for chunk in with_calls)
            calls, invalid = parse_tool_call_chunks(tool_chunks)
        fields["tool_calls"] = calls
        fields["invalid_tool_calls"] = invalid
        fields["usage_metadata"] = add_usage(usages) if usages else None
        fields["tool_call_chunks"] = tool_chunks
        fields["chunk_position"] = "last" if last else None
        return fields


def add_ai_message_chunks(left: AIMessageChunk, *others: AIMessageChunk) -> AIMessageChunk:
    """Add AI message chunks in one pass; equal to ``left + others[0] + ...``.

    Raises:
        TypeError: if a chunk is not an `AIMessageChunk`.
    """
    return merge_message_chunks((left, *others))


def _pretty_call(
    name: str | None, call_id: str | None, error: str | None, args: dict[str, Any] | str | None
) -> list[str]:
    lines = [f"  {name} ({call_id})", f" Call ID: {call_id}"]
    if error is not None:
        lines.append(f"  Error: {error}")
    lines.append("  Args:")
    if isinstance(args, dict):
        lines.extend(f"    {key}: {value}" for key, value in args.items())
    else:
        lines.append(f"    {args}")
    return lines
