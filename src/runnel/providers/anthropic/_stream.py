"""Anthropic Messages stream events as `ChatGenerationChunk`s.

One `AnthropicDecoder` serves the sync and async loops (see `runnel.providers._base`): it is
fed the SDK's parsed events one by one and never blocks. The event sequence is
``message_start``, then per content block ``content_block_start``,
``content_block_delta``... ``content_block_stop``, then ``message_delta`` (stop reason,
cumulative usage) and the terminal ``message_stop``; ``ping`` and unknown events are
ignored.

Content is a string when the request could only produce text (as LangChain does: no
tools, no extended thinking); otherwise a list of Anthropic content blocks, each piece
tagged with its block's ``index`` so pieces add up block by block. ``tool_use`` blocks
also stream as ``tool_call_chunks`` keyed by the same index.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from runnel.exceptions import ProviderError
from runnel.messages import AIMessageChunk, tool_call_chunk
from runnel.outputs import ChatGenerationChunk
from runnel.providers.anthropic._usage import UsageTally

__all__ = ["AnthropicDecoder", "StreamOptions", "stream_error"]

PROVIDER = "anthropic"
#: Error types worth another attempt when they arrive before anything was delivered.
_RETRYABLE_TYPES = frozenset({"overloaded_error", "api_error", "rate_limit_error", "timeout_error"})


@dataclass(frozen=True, slots=True)
class StreamOptions:
    """How to decode one call's stream (sent ahead of the SDK's events).

    Attributes:
        as_text: Content as a string (the request cannot produce anything but text).
        stream_usage: Put usage metadata on the chunks.
    """

    as_text: bool = True
    stream_usage: bool = True


def stream_error(body: Any) -> ProviderError:
    """The `ProviderError` for an ``event: error`` that arrived mid-stream.

    The HTTP status was 200 by then, so the error's type (``overloaded_error``...) is in
    the message and the body, not in ``status_code``; overloads and server errors are
    marked retryable (they are retried only when nothing was delivered yet).
    """
    error = body.get("error") if isinstance(body, dict) else None
    kind = error.get("type") if isinstance(error, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    result = ProviderError(
        f"{kind or 'error'} mid-stream: {message or body}", provider=PROVIDER, body=body
    )
    result.retryable = kind in _RETRYABLE_TYPES
    return result


def _plain(block: Any) -> dict[str, Any]:
    """An SDK content block (or delta) as a plain dict without unset fields."""
    if isinstance(block, dict):
        return dict(block)
    to_dict = getattr(block, "to_dict", None)
    if to_dict is not None:
        return to_dict()  # type: ignore[no-any-return]
    return block.model_dump(exclude_none=True)  # type: ignore[no-any-return]


class AnthropicDecoder:
    """Turns one Anthropic stream's events into chunks; `done` once ``message_stop`` came."""

    __slots__ = ("_as_text", "_model", "_stream_usage", "_tools", "_usage", "done")

    def __init__(self) -> None:
        self.done = False
        self._as_text = True
        self._stream_usage = True
        self._model: str | None = None
        self._tools: set[int] = set()  # indexes of tool_use blocks
        self._usage = UsageTally()

    def feed(self, event: Any) -> ChatGenerationChunk | None:
        """The chunk `event` carries (None for events without one).

        Raises:
            ProviderError: for an ``error`` event.
        """
        kind = getattr(event, "type", None)
        if kind == "content_block_delta":
            message = self._delta(event.index, event.delta)
        elif kind == "content_block_start":
            message = self._block_start(event.index, event.content_block)
        elif kind == "message_start":
            message = self._message_start(event.message)
        elif kind == "message_delta":
            message = self._message_delta(event)
        elif kind == "message_stop":
            self.done = True
            return None
        elif isinstance(event, StreamOptions):
            self._as_text = event.as_text
            self._stream_usage = event.stream_usage
            return None
        elif kind == "error":
            raise stream_error(_plain(event))
        else:  # ping, content_block_stop, and event types this version does not know
            return None
        return None if message is None else ChatGenerationChunk(message=message)

    # -- events ------------------------------------------------------------------------------
    def _message_start(self, message: Any) -> AIMessageChunk:
        self._model = getattr(message, "model", None)
        content: Any = "" if self._as_text else []
        usage = getattr(message, "usage", None)
        if not self._stream_usage or usage is None:
            return AIMessageChunk(content)
        return AIMessageChunk(content, usage_metadata=self._usage.add(usage))

    def _delta(self, index: int, delta: Any) -> AIMessageChunk | None:
        kind = delta.type
        if kind == "text_delta":
            if self._as_text:
                return AIMessageChunk(delta.text)
            return AIMessageChunk([{"type": "text", "text": delta.text, "index": index}])
        if kind == "input_json_delta":
            block = {"type": "input_json_delta", "partial_json": delta.partial_json, "index": index}
            if index not in self._tools:  # a server tool's input: content only
                return AIMessageChunk([block])
            call = tool_call_chunk(args=delta.partial_json, index=index)
            return AIMessageChunk([block], tool_call_chunks=[call])
        if kind == "thinking_delta":
            return AIMessageChunk(
                [{"type": "thinking", "thinking": delta.thinking, "index": index}]
            )
        if kind == "signature_delta":
            block = {"type": "thinking", "thinking": "", "signature": delta.signature}
            return AIMessageChunk([{**block, "index": index}])
        if kind == "citations_delta":
            citation = _plain(delta.citation)
            return AIMessageChunk([{"type": "text", "citations": [citation], "index": index}])
        return None

    def _block_start(self, index: int, block: Any) -> AIMessageChunk | None:
        kind = block.type
        if kind == "text":
            text = getattr(block, "text", "") or ""
            if not text:
                return None
            return AIMessageChunk(text if self._as_text else [{**_text(block), "index": index}])
        if kind == "thinking":
            if not (getattr(block, "thinking", "") or getattr(block, "signature", "")):
                return None
            return AIMessageChunk([{**_plain(block), "index": index}])
        content = {**_plain(block), "index": index}
        if kind != "tool_use":
            return AIMessageChunk([content])
        self._tools.add(index)
        given = getattr(block, "input", None)
        args = json.dumps(given) if isinstance(given, dict) and given else ""
        call = tool_call_chunk(name=block.name, args=args, id=block.id, index=index)
        return AIMessageChunk([content], tool_call_chunks=[call])

    def _message_delta(self, event: Any) -> AIMessageChunk:
        delta = event.delta
        stop_reason = getattr(delta, "stop_reason", None)
        metadata: dict[str, Any] = {
            "model_name": self._model,
            "stop_reason": stop_reason,
            "stop_sequence": getattr(delta, "stop_sequence", None),
            "model_provider": PROVIDER,
        }
        content: Any = "" if self._as_text else []
        usage = getattr(event, "usage", None)
        return AIMessageChunk(
            content,
            response_metadata=metadata,
            usage_metadata=self._usage.add(usage) if self._stream_usage and usage else None,
            chunk_position="last" if stop_reason else None,
        )


def _text(block: Any) -> dict[str, Any]:
    out = _plain(block)
    if not out.get("citations"):
        out.pop("citations", None)
    return out
