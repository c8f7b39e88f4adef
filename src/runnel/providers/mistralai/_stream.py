"""Mistral chat completion chunks as message chunks, and whole responses as messages.

Each chunk's ``choices[0].delta`` carries text (a string, or typed chunks for reasoning
models) and, on a tool call, whole calls. The finish chunk carries ``finish_reason`` and the
``usage`` together; it is what marks a complete stream, since the SDK swallows the closing
``data: [DONE]``. ``finish_reason: "error"`` is Mistral's way of failing mid-stream.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from runnel.exceptions import ProviderError
from runnel.messages import AIMessageChunk, ToolCallChunk, UsageMetadata, tool_call_chunk
from runnel.outputs import ChatGenerationChunk

__all__ = ["MistralStream", "whole_message"]

_PROVIDER = "mistral"


class MistralStream:
    """A `StreamDecoder` for the SDK's `CompletionEvent`s."""

    def __init__(self) -> None:
        self.done = False
        self._calls = 0

    def feed(self, event: Any) -> ChatGenerationChunk | None:
        """The chunk `event` carries, if any.

        Raises:
            ProviderError: Mistral ended the stream with ``finish_reason: "error"``.
        """
        data = getattr(event, "data", event)
        choices = getattr(data, "choices", None) or []
        choice = choices[0] if choices else None
        reason = getattr(choice, "finish_reason", None)
        if reason == "error":
            raise ProviderError(
                "the model stopped with an error (finish_reason 'error')", provider=_PROVIDER
            )
        delta = getattr(choice, "delta", None)
        text, reasoning = _text(getattr(delta, "content", None))
        calls = _calls(getattr(delta, "tool_calls", None), self._calls)
        self._calls += len(calls)
        usage = _usage(getattr(data, "usage", None))
        if reason is None and not (text or reasoning or calls or usage):
            return None
        fields: dict[str, Any] = {}
        if reason is not None:
            self.done = True
            fields["response_metadata"] = _metadata(getattr(data, "model", None), reason)
            fields["chunk_position"] = "last"
        message = AIMessageChunk(
            text,
            tool_call_chunks=calls,
            usage_metadata=usage,
            additional_kwargs={"reasoning_content": reasoning} if reasoning else {},
            **fields,
        )
        return ChatGenerationChunk(message=message)


def whole_message(response: Any) -> AIMessageChunk:
    """A non-streamed `ChatCompletionResponse` as one chunk."""
    choice = response.choices[0]
    message = getattr(choice, "message", None)
    text, reasoning = _text(getattr(message, "content", None))
    return AIMessageChunk(
        text,
        tool_call_chunks=_calls(getattr(message, "tool_calls", None), 0),
        usage_metadata=_usage(getattr(response, "usage", None)),
        additional_kwargs={"reasoning_content": reasoning} if reasoning else {},
        response_metadata=_metadata(response.model, choice.finish_reason),
    )


def _text(content: Any) -> tuple[str, str]:
    """The text and the reasoning of a delta's content (a string or typed chunks)."""
    if isinstance(content, str):
        return content, ""
    if not isinstance(content, list):
        return "", ""
    text, reasoning = [], []
    for part in content:
        kind = getattr(part, "type", None)
        if kind == "text":
            text.append(getattr(part, "text", "") or "")
        elif kind == "thinking":
            for inner in getattr(part, "thinking", None) or ():
                reasoning.append(getattr(inner, "text", "") or "")
    return "".join(text), "".join(reasoning)


def _calls(calls: Any, first_index: int) -> list[ToolCallChunk]:
    """Whole tool calls as chunks, indexed by their position in the answer."""
    if not isinstance(calls, list):
        return []
    chunks = []
    for offset, call in enumerate(calls):
        function = call.function
        arguments = function.arguments
        call_id = getattr(call, "id", None)
        chunks.append(
            tool_call_chunk(
                name=function.name,
                args=arguments if isinstance(arguments, str) else json.dumps(arguments),
                id=call_id if call_id and call_id != "null" else uuid.uuid4().hex,
                index=first_index + offset,
            )
        )
    return chunks


def _usage(usage: Any) -> UsageMetadata | None:
    if usage is None or not hasattr(usage, "prompt_tokens"):
        return None
    input_tokens = int(usage.prompt_tokens or 0)
    output_tokens = int(usage.completion_tokens or 0)
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": int(usage.total_tokens or input_tokens + output_tokens),
    }


def _metadata(model: Any, reason: Any) -> dict[str, Any]:
    metadata = {"model_name": model, "finish_reason": reason, "model_provider": "mistralai"}
    return {key: value for key, value in metadata.items() if value is not None}
