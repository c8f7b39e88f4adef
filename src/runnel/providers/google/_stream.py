"""Gemini ``GenerateContentResponse`` chunks as `AIMessageChunk`s.

One `GeminiDecoder` per call turns each response google-genai yields into a chunk:

* text parts become content, thought parts (``"thought": true``) ``thinking`` blocks;
* each ``functionCall`` part (it arrives whole) becomes one tool call chunk with the complete
  JSON arguments, an id (Gemini's, else a generated one) and the call's position as index;
  its thought signature is kept in ``additional_kwargs`` to send back with the call;
* the stream is complete once a candidate carries a ``finishReason`` (or the prompt was
  blocked): Gemini sends no end event, the connection just closes.

Usage: Gemini repeats the running totals on every chunk. The decoder keeps the latest and
reports them once, on the terminal chunk (any later change as the difference), so the
usage of the aggregated message equals the final totals. ``input_tokens`` is
``promptTokenCount``, ``output_tokens`` is ``candidatesTokenCount + thoughtsTokenCount``
(LangChain's numbers); cached and thought tokens are in the details when Gemini reports them.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from runnel.messages import AIMessageChunk, UsageMetadata, tool_call_chunk
from runnel.outputs import ChatGenerationChunk
from runnel.providers.google._messages import SIGNATURES_KEY

__all__ = ["GeminiDecoder", "usage_from"]


def usage_from(metadata: Any) -> UsageMetadata | None:
    """LangChain's usage for Gemini's ``usageMetadata`` (None when it has no counts)."""
    if metadata is None:
        return None
    prompt = metadata.prompt_token_count
    candidates = metadata.candidates_token_count
    thoughts = metadata.thoughts_token_count
    total = metadata.total_token_count
    cached = metadata.cached_content_token_count
    if prompt is None and candidates is None and total is None and thoughts is None:
        return None
    output = (candidates or 0) + (thoughts or 0)
    usage: UsageMetadata = {
        "input_tokens": prompt or 0,
        "output_tokens": output,
        "total_tokens": total if total is not None else (prompt or 0) + output,
    }
    if cached is not None:
        usage["input_token_details"] = {"cache_read": cached}
    if thoughts is not None:
        usage["output_token_details"] = {"reasoning": thoughts}
    return usage


class GeminiDecoder:
    """Turns one call's Gemini responses into chunks (see the module docstring).

    Args:
        model: The model asked, the model name when a response does not say.
        provider: The ``model_provider`` reported in the response metadata.
    """

    def __init__(self, model: str, provider: str) -> None:
        self.done = False
        self._model = model.removeprefix("models/")
        self._provider = provider
        self._calls = 0
        self._latest: UsageMetadata | None = None
        self._reported: UsageMetadata | None = None

    def feed(self, response: Any) -> ChatGenerationChunk | None:
        """The chunk of one streamed response (None when it carries nothing)."""
        return self._chunk(response, whole=False)

    def whole(self, response: Any) -> ChatGenerationChunk:
        """The chunk of a non-streamed response (with its usage, finished or not)."""
        chunk = self._chunk(response, whole=True)
        return chunk or ChatGenerationChunk(message=AIMessageChunk(""))

    def _chunk(self, response: Any, *, whole: bool) -> ChatGenerationChunk | None:
        usage = usage_from(response.usage_metadata)
        if usage is not None:
            self._latest = usage
        candidate = response.candidates[0] if response.candidates else None
        content: str | list[Any] = ""
        calls: list[Any] = []
        signatures: dict[str, str] = {}
        if candidate is not None and candidate.content is not None:
            content, calls, signatures = self._parts(candidate.content.parts or [])
        metadata: dict[str, Any] = {
            "model_name": response.model_version or self._model,
            "model_provider": self._provider,
        }
        finish = candidate.finish_reason if candidate is not None else None
        feedback = response.prompt_feedback
        blocked = feedback is not None and feedback.block_reason is not None
        if finish is not None:
            metadata["finish_reason"] = _name(finish)
            if candidate is not None and candidate.safety_ratings:
                metadata["safety_ratings"] = [
                    r.model_dump(mode="json", exclude_none=True) for r in candidate.safety_ratings
                ]
        if feedback is not None:
            metadata["prompt_feedback"] = feedback.model_dump(mode="json", exclude_none=True)
        if finish is not None or blocked:
            self.done = True
        delta = self._unreported() if self.done or whole else None
        if not content and not calls and delta is None and not (finish or blocked):
            return None
        message = AIMessageChunk(
            content,
            tool_call_chunks=calls,
            additional_kwargs={SIGNATURES_KEY: signatures} if signatures else {},
            usage_metadata=delta,
            response_metadata=metadata,
            chunk_position="last" if self.done else None,
        )
        return ChatGenerationChunk(message=message)

    def _parts(self, parts: list[Any]) -> tuple[str | list[Any], list[Any], dict[str, str]]:
        texts: list[str] = []
        thinking: list[str] = []
        calls: list[Any] = []
        signatures: dict[str, str] = {}
        for part in parts:
            call = part.function_call
            if call is not None:
                call_id = call.id or f"call_{uuid.uuid4().hex[:24]}"
                args = json.dumps(call.args or {}, ensure_ascii=False)
                calls.append(
                    tool_call_chunk(name=call.name, args=args, id=call_id, index=self._calls)
                )
                self._calls += 1
                if part.thought_signature:
                    signatures[call_id] = base64.b64encode(part.thought_signature).decode()
            elif part.text:
                (thinking if part.thought else texts).append(part.text)
        text = "".join(texts)
        if not thinking:
            return text, calls, signatures
        blocks: list[Any] = [{"type": "thinking", "thinking": "".join(thinking), "index": 0}]
        if text:
            blocks.append(text)
        return blocks, calls, signatures

    def _unreported(self) -> UsageMetadata | None:
        """The usage not yet reported: the latest totals minus what was reported."""
        latest = self._latest
        if latest is None or latest == self._reported:
            return None
        reported = self._reported
        self._reported = latest
        return latest if reported is None else _subtract(latest, reported)


def _subtract(latest: Any, reported: Any) -> Any:
    out: dict[str, Any] = {}
    for key, value in latest.items():
        before = reported.get(key)
        if isinstance(value, dict):
            out[key] = _subtract(value, before or {})
        else:
            out[key] = value - (before or 0)
    return out


def _name(value: Any) -> str:
    """An SDK enum member's name (``"STOP"``), or the raw string for unknown values."""
    return str(getattr(value, "value", value))
