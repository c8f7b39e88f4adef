"""Token usage in the OpenAI family's format, as runnel's `UsageMetadata`.

OpenAI-compatible servers report usage as running totals: OpenAI once, in a last chunk;
Groq, Fireworks and Together on the finish chunk; vLLM (``continuous_usage_stats``) on every
chunk. `UsageDeltas` turns each report into what it adds to the previous one, so the chunks
of a stream always add up to the final totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runnel.messages import UsageMetadata

__all__ = ["UsageDeltas", "to_usage"]


def to_usage(usage: Mapping[str, Any]) -> UsageMetadata:
    """OpenAI's ``usage`` object (``prompt_tokens``...) as `UsageMetadata`.

    Cached prompt tokens become ``input_token_details.cache_read`` (cache writes
    ``cache_creation``), reasoning tokens ``output_token_details.reasoning``; details the
    provider did not report are left out.
    """
    input_tokens = usage.get("prompt_tokens") or usage.get("input_tokens") or 0
    output_tokens = usage.get("completion_tokens") or usage.get("output_tokens") or 0
    total = usage.get("total_tokens")
    result: UsageMetadata = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": total if total is not None else input_tokens + output_tokens,
    }
    prompt = usage.get("prompt_tokens_details") or usage.get("input_tokens_details") or {}
    completion = usage.get("completion_tokens_details") or usage.get("output_tokens_details") or {}
    inputs = {
        key: prompt[name]
        for key, name in (
            ("audio", "audio_tokens"),
            ("cache_read", "cached_tokens"),
            ("cache_creation", "cache_write_tokens"),
        )
        if prompt.get(name) is not None
    }
    outputs = {
        key: completion[name]
        for key, name in (("audio", "audio_tokens"), ("reasoning", "reasoning_tokens"))
        if completion.get(name) is not None
    }
    if inputs:
        result["input_token_details"] = inputs  # type: ignore[typeddict-item]
    if outputs:
        result["output_token_details"] = outputs  # type: ignore[typeddict-item]
    return result


class UsageDeltas:
    """Turns running usage totals into increments (the first report is its own increment)."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: UsageMetadata | None = None

    def feed(self, usage: Mapping[str, Any]) -> UsageMetadata:
        """What the totals in `usage` (OpenAI's format) add to those reported before."""
        totals = to_usage(usage)
        seen, self._seen = self._seen, totals
        if seen is None:
            return totals
        return _minus(totals, seen)  # type: ignore[return-value]


def _minus(total: Mapping[str, Any], seen: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in total.items():
        before = seen.get(key)
        if isinstance(value, Mapping):
            result[key] = _minus(value, before if isinstance(before, Mapping) else {})
        else:
            result[key] = value - before if isinstance(before, int) else value
    return result
