"""Cohere v2 chat events as message chunks, and whole responses as messages.

Text arrives in ``content-delta`` events, the plan a model writes before calling tools in
``tool-plan-delta`` (both become content), tool calls in ``tool-call-start`` (id and name)
and ``tool-call-delta`` (argument fragments) keyed by ``index``, and the finish reason and
usage in ``message-end``, the terminal event. Reasoning models stream ``thinking`` content
first: then content is a list of blocks, a ``reasoning`` block and a ``text`` block, as in
LangChain's integration.
"""

from __future__ import annotations

from typing import Any

from runnel.exceptions import ProviderError
from runnel.messages import AIMessageChunk, ToolCallChunk, UsageMetadata, tool_call_chunk
from runnel.outputs import ChatGenerationChunk

__all__ = ["CohereStream", "whole_message"]

_PROVIDER = "cohere"


class CohereStream:
    """A `StreamDecoder` for the SDK's `V2ChatStreamResponse` events."""

    def __init__(self, model: str) -> None:
        self.done = False
        self._model = model
        self._id: str | None = None
        self._thinking = False

    def feed(self, event: Any) -> ChatGenerationChunk | None:
        """The chunk `event` carries, if any.

        Raises:
            ProviderError: the stream ended with an error (``finish_reason: "ERROR"``).
        """
        kind = getattr(event, "type", None)
        if kind == "content-delta":
            content = _path(event, "delta", "message", "content")
            thinking = getattr(content, "thinking", None)
            if thinking:
                self._thinking = True
                block = {
                    "type": "reasoning",
                    "index": 0,
                    "summary": [{"text": thinking, "index": 0}],
                }
                return _chunk(AIMessageChunk([block]))
            return self._text(getattr(content, "text", None))
        if kind == "tool-plan-delta":
            return self._text(_path(event, "delta", "message", "tool_plan"))
        if kind in ("tool-call-start", "tool-call-delta"):
            call = _path(event, "delta", "message", "tool_calls")
            function = getattr(call, "function", None)
            piece = tool_call_chunk(
                name=getattr(function, "name", None),
                args=getattr(function, "arguments", None),
                id=getattr(call, "id", None),
                index=getattr(event, "index", None),
            )
            return _chunk(AIMessageChunk("", tool_call_chunks=[piece]))
        if kind == "message-start":
            self._id = getattr(event, "id", None)
            return None
        if kind == "message-end":
            return self._end(getattr(event, "delta", None))
        return None  # content-start/end, tool-call-end, citations, debug

    def _text(self, text: str | None) -> ChatGenerationChunk | None:
        if not text:
            return None
        if self._thinking:
            return _chunk(AIMessageChunk([{"type": "text", "index": 1, "text": text}]))
        return _chunk(AIMessageChunk(text))

    def _end(self, delta: Any) -> ChatGenerationChunk:
        reason = getattr(delta, "finish_reason", None)
        error = getattr(delta, "error", None)
        if error or reason == "ERROR":
            raise ProviderError(
                f"the model stopped with an error: {error or 'finish_reason ERROR'}",
                provider=_PROVIDER,
            )
        self.done = True
        usage = getattr(delta, "usage", None)
        metadata = _metadata(self._id, reason, self._model, usage)
        return _chunk(
            AIMessageChunk(
                [] if self._thinking else "",
                usage_metadata=usage_metadata(usage),
                response_metadata=metadata,
                chunk_position="last",
            )
        )


def whole_message(response: Any, model: str) -> AIMessageChunk:
    """A non-streamed `ChatResponse` as one chunk (the tool plan is its text when the
    model calls tools and writes no other text, as when streaming)."""
    message = getattr(response, "message", None)
    text, thinking = "", ""
    for item in getattr(message, "content", None) or ():
        if getattr(item, "type", None) == "text":
            text += getattr(item, "text", "") or ""
        elif getattr(item, "type", None) == "thinking":
            thinking += getattr(item, "thinking", "") or ""
    text = text or getattr(message, "tool_plan", None) or ""
    content: str | list[Any] = text
    if thinking:
        content = [{"type": "reasoning", "index": 0, "summary": [{"text": thinking, "index": 0}]}]
        if text:
            content.append({"type": "text", "index": 1, "text": text})
    calls: list[ToolCallChunk] = [
        tool_call_chunk(
            name=getattr(call.function, "name", None),
            args=getattr(call.function, "arguments", None),
            id=call.id,
            index=index,
        )
        for index, call in enumerate(getattr(message, "tool_calls", None) or ())
    ]
    usage = getattr(response, "usage", None)
    return AIMessageChunk(
        content,
        tool_call_chunks=calls,
        usage_metadata=usage_metadata(usage),
        response_metadata=_metadata(
            getattr(response, "id", None), getattr(response, "finish_reason", None), model, usage
        ),
    )


def usage_metadata(usage: Any) -> UsageMetadata | None:
    """Token usage from Cohere's ``usage``: the model's token counts (``tokens``), else the
    billed ones; ``cached_tokens`` are the input tokens read from the cache."""
    counts = getattr(usage, "tokens", None) or getattr(usage, "billed_units", None)
    if counts is None:
        return None
    input_tokens = int(getattr(counts, "input_tokens", None) or 0)
    output_tokens = int(getattr(counts, "output_tokens", None) or 0)
    result: UsageMetadata = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }
    cached = getattr(usage, "cached_tokens", None)
    if cached:
        result["input_token_details"] = {"cache_read": int(cached)}
    return result


def _metadata(message_id: Any, reason: Any, model: str, usage: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "id": message_id,
        "finish_reason": reason,
        "model_name": model,
        "model_provider": _PROVIDER,
    }
    billed = getattr(usage, "billed_units", None)
    if billed is not None:
        metadata["billed_units"] = {
            key: int(value) for key, value in billed.model_dump().items() if value is not None
        }
    return {key: value for key, value in metadata.items() if value is not None}


def _chunk(message: AIMessageChunk) -> ChatGenerationChunk:
    return ChatGenerationChunk(message=message)


def _path(obj: Any, *names: str) -> Any:
    for name in names:
        obj = getattr(obj, name, None)
    return obj
