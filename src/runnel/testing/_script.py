"""What a fake provider server answers: a provider-neutral script of one reply."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Reply", "ToolCall", "Usage", "split_tokens"]

_TOKEN = re.compile(r"\s*\S+|\s+")


def split_tokens(text: str) -> list[str]:
    """`text` as word-sized tokens, each carrying its leading whitespace."""
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class ToolCall:
    """One tool call of a reply; its JSON arguments stream in `pieces` fragments."""

    name: str
    args: dict[str, Any]
    id: str = "call_0"
    pieces: int = 3


@dataclass(frozen=True)
class Usage:
    """Token counts a reply reports (each protocol renders them its own way)."""

    input_tokens: int = 10
    output_tokens: int | None = None
    cache_read_tokens: int = 0
    cache_creation_tokens: int = 0
    reasoning_tokens: int = 0


@dataclass(frozen=True)
class Reply:
    """One scripted answer, rendered by the server in whichever protocol is asked.

    Content:
        text: The answer; a string is split into word tokens, a list is sent as given.
        tool_calls: Tool calls to stream after the text.
        usage: Token counts; output tokens default to the number of text tokens.
        finish_reason: ``"stop"`` or ``"tool_calls"`` (mapped to each protocol's word);
            by default ``"tool_calls"`` when there are tool calls.
        model: The model name reported; by default the one the request named.

    Faults:
        status: An HTTP error status returned before any byte of a stream, with the
            provider's error body carrying `error_message`.
        retry_after: Seconds for a ``retry-after`` header on that error.
        delay: Seconds to wait before each token frame.
        first_byte_delay: Seconds to wait before the response starts.
        drop_after: Close the connection abruptly after this many token frames.
        error_after: Send the protocol's mid-stream error event after this many token
            frames (and end the stream as that provider does).
        terminal: False to end the stream cleanly but without the protocol's terminal
            event (``[DONE]``, ``message_stop``, a finish reason...).
    """

    text: str | list[str] = ""
    tool_calls: tuple[ToolCall, ...] | list[ToolCall] = ()
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    model: str | None = None
    status: int = 200
    error_message: str = "scripted error"
    retry_after: float | None = None
    delay: float = 0.0
    first_byte_delay: float = 0.0
    drop_after: int | None = None
    error_after: int | None = None
    terminal: bool = True

    @property
    def tokens(self) -> list[str]:
        """The text as the tokens to stream."""
        return split_tokens(self.text) if isinstance(self.text, str) else list(self.text)

    @property
    def content(self) -> str:
        """The whole text."""
        return self.text if isinstance(self.text, str) else "".join(self.text)

    @property
    def stop_reason(self) -> str:
        """``"stop"`` or ``"tool_calls"``."""
        if self.finish_reason is not None:
            return self.finish_reason
        return "tool_calls" if self.tool_calls else "stop"

    @property
    def output_tokens(self) -> int:
        """Output token count: as scripted, else one per text token (and per call)."""
        if self.usage.output_tokens is not None:
            return self.usage.output_tokens
        return len(self.tokens) + len(self.tool_calls)

    def arg_pieces(self, call: ToolCall) -> list[str]:
        """`call`'s JSON arguments in `call.pieces` fragments that join to the JSON."""
        import json

        text = json.dumps(call.args)
        n = max(1, min(call.pieces, len(text)))
        step = -(-len(text) // n)
        return [text[i : i + step] for i in range(0, len(text), step)]
