"""Ollama ``/api/chat`` objects as message chunks (streamed lines and whole answers alike).

Every NDJSON line is one object: ``message`` holds the text (and ``thinking`` for
reasoning models) and, on a tool call, whole calls whose ``arguments`` are a JSON object.
The last object has ``"done": true``, ``done_reason`` and the metrics (``prompt_eval_count``
and ``eval_count`` are the token counts). A ``{"error": ...}`` line is a failure mid-stream.
A non-streamed answer is one such object with ``"done": true``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from runnel.exceptions import ProviderError
from runnel.messages import AIMessageChunk, ToolCallChunk, UsageMetadata, tool_call_chunk
from runnel.outputs import ChatGenerationChunk

__all__ = ["OllamaStream"]

_PROVIDER = "ollama"


class OllamaStream:
    """A `StreamDecoder` for ``/api/chat`` lines (text) or parsed objects."""

    def __init__(self) -> None:
        self.done = False
        self._calls = 0

    def feed(self, line: str | Mapping[str, Any]) -> ChatGenerationChunk | None:
        """The chunk one line (or object) carries, if any.

        Raises:
            ProviderError: the line is Ollama's ``{"error": ...}``.
            ValueError: the line is not JSON.
        """
        if isinstance(line, str):
            if not line.strip():
                return None
            obj: Mapping[str, Any] = json.loads(line)
        else:
            obj = line
        if "error" in obj:
            raise ProviderError(str(obj["error"]), provider=_PROVIDER, body=dict(obj))
        message = obj.get("message") or {}
        text = message.get("content") or ""
        thinking = message.get("thinking")
        calls = self._tool_calls(message.get("tool_calls") or ())
        fields: dict[str, Any] = {}
        if thinking:
            fields["additional_kwargs"] = {"reasoning_content": thinking}
        if obj.get("done"):
            self.done = True
            fields["usage_metadata"] = _usage(obj)
            fields["response_metadata"] = _metadata(obj)
            fields["chunk_position"] = "last"
        elif not (text or thinking or calls):
            return None
        return ChatGenerationChunk(message=AIMessageChunk(text, tool_call_chunks=calls, **fields))

    def _tool_calls(self, calls: Any) -> list[ToolCallChunk]:
        chunks = []
        for call in calls:
            function = call.get("function") or {}
            arguments = function.get("arguments")
            chunks.append(
                tool_call_chunk(
                    name=function.get("name"),
                    args=arguments if isinstance(arguments, str) else json.dumps(arguments or {}),
                    id=call.get("id") or str(uuid.uuid4()),
                    index=self._calls,
                )
            )
            self._calls += 1
        return chunks


def _usage(obj: Mapping[str, Any]) -> UsageMetadata | None:
    input_tokens, output_tokens = obj.get("prompt_eval_count"), obj.get("eval_count")
    if input_tokens is None and output_tokens is None:
        return None
    input_tokens, output_tokens = int(input_tokens or 0), int(output_tokens or 0)
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }


def _metadata(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The final object without its message, as LangChain's integration reports it."""
    metadata = {key: value for key, value in obj.items() if key != "message"}
    if "model" in metadata:
        metadata["model_name"] = metadata["model"]
    metadata["model_provider"] = _PROVIDER
    return metadata
