"""Writing a run's parts as OpenAI Chat Completions objects.

`CompletionEncoder` turns `Part` values into `chat.completion.chunk` dicts with the full
field set the `openai` SDK's helpers need (`id`, `object`, `created`, `model`, each choice's
`index`, `logprobs` and `finish_reason`): a first chunk with the role, content and tool-call
deltas, a chunk with the finish reason, and, when asked, a usage chunk with no choices. It
also folds the same parts into one `chat.completion` for a request without `stream`, so
both modes answer alike.

Parts a Chat Completions client has no place for (tools run inside the chain, custom
events) are skipped.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from runnel.messages import UsageMetadata
from runnel.server._ui_parts import Finished, Part, ReasoningDelta, TextDelta, ToolCallDelta

__all__ = ["CompletionEncoder", "completion_id", "openai_usage"]


def completion_id() -> str:
    """A fresh id in OpenAI's form (``chatcmpl-<hex>``)."""
    return f"chatcmpl-{uuid.uuid4().hex}"


def openai_usage(usage: UsageMetadata | None) -> dict[str, Any] | None:
    """runnel's usage counts in OpenAI's names (None stays None)."""
    if usage is None:
        return None
    out: dict[str, Any] = {
        "prompt_tokens": usage.get("input_tokens", 0),
        "completion_tokens": usage.get("output_tokens", 0),
        "total_tokens": usage.get("total_tokens", 0),
    }
    given_in = usage.get("input_token_details") or {}
    details = {
        name: given_in[key]  # type: ignore[literal-required]
        for key, name in (("cache_read", "cached_tokens"), ("audio", "audio_tokens"))
        if key in given_in
    }
    if details:
        out["prompt_tokens_details"] = details
    given_out = usage.get("output_token_details") or {}
    details = {
        name: given_out[key]  # type: ignore[literal-required]
        for key, name in (("reasoning", "reasoning_tokens"), ("audio", "audio_tokens"))
        if key in given_out
    }
    if details:
        out["completion_tokens_details"] = details
    return out


@dataclass(slots=True)
class _Call:
    id: str | None = None
    name: str | None = None
    arguments: list[str] = field(default_factory=list)


@dataclass(slots=True)
class CompletionEncoder:
    """Encodes one run's parts as Chat Completions chunks, and folds them into a completion.

    Attributes:
        model: The model id the answer names.
        include_usage: Stream a usage chunk before the end (`stream_options.include_usage`).
        id: The completion id every chunk carries.
        created: Unix time every chunk carries.
    """

    model: str
    include_usage: bool = False
    id: str = field(default_factory=completion_id)
    created: int = 0
    _text: list[str] = field(default_factory=list)
    _reasoning: list[str] = field(default_factory=list)
    _calls: dict[int, _Call] = field(default_factory=dict)

    # -- streaming -----------------------------------------------------------------------
    def start(self) -> list[dict[str, Any]]:
        """The opening chunk: the assistant role and empty content."""
        return [self._chunk({"role": "assistant", "content": ""})]

    def feed(self, part: Part) -> list[dict[str, Any]]:
        """The chunks for one part (none for parts OpenAI clients have no place for)."""
        self.fold(part)
        if isinstance(part, TextDelta):
            return [self._chunk({"content": part.text})]
        if isinstance(part, ReasoningDelta):
            return [self._chunk({"reasoning_content": part.text})]
        if isinstance(part, ToolCallDelta):
            call: dict[str, Any] = {"index": part.index}
            function: dict[str, Any] = {"arguments": part.args}
            if part.id is not None:
                call["id"] = part.id
                call["type"] = "function"
            if part.name is not None:
                function["name"] = part.name
            call["function"] = function
            return [self._chunk({"tool_calls": [call]})]
        if isinstance(part, Finished):
            chunks = [self._chunk({}, finish_reason=part.finish_reason)]
            if self.include_usage:
                chunks.append(self._usage_chunk(part))
            return chunks
        return []

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        chunk: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            ],
        }
        if self.include_usage:
            chunk["usage"] = None
        return chunk

    def _usage_chunk(self, part: Finished) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [],
            "usage": openai_usage(part.usage),
        }

    # -- folding -------------------------------------------------------------------------
    def fold(self, part: Part) -> None:
        """Add one part to the answer `completion` gives (`feed` does this too)."""
        if isinstance(part, TextDelta):
            self._text.append(part.text)
        elif isinstance(part, ReasoningDelta):
            self._reasoning.append(part.text)
        elif isinstance(part, ToolCallDelta):
            call = self._calls.setdefault(part.index, _Call())
            call.id = call.id or part.id
            call.name = call.name or part.name
            call.arguments.append(part.args)

    def completion(self, finished: Finished) -> dict[str, Any]:
        """The `chat.completion` object for everything fed so far, ending with `finished`."""
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(self._text) if self._text or not self._calls else None,
            "refusal": None,
        }
        if self._reasoning:
            message["reasoning_content"] = "".join(self._reasoning)
        if self._calls:
            message["tool_calls"] = [
                {
                    "id": call.id or f"call_{index}",
                    "type": "function",
                    "function": {"name": call.name or "", "arguments": "".join(call.arguments)},
                }
                for index, call in sorted(self._calls.items())
            ]
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": finished.finish_reason,
                }
            ],
            "usage": openai_usage(finished.usage),
        }
