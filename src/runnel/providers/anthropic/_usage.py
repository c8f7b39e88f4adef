"""Anthropic's token counts as `UsageMetadata`, cumulative counts as increments.

Anthropic reports usage twice in a stream: ``message_start`` carries the input side and an
initial output count, each ``message_delta`` the CUMULATIVE counts so far (output tokens
always, input and cache counts sometimes). `UsageTally` turns each report into what it adds
to the ones before, so the chunks of a stream add up to the final counts.

Anthropic's ``input_tokens`` exclude the tokens read from or written to the prompt cache;
as in LangChain, `input_tokens` here include them, and ``input_token_details`` says how
many were ``cache_creation`` and ``cache_read``.
"""

from __future__ import annotations

from typing import Any

from runnel.messages import UsageMetadata

__all__ = ["UsageTally", "usage_metadata"]

# (our counter, Anthropic's usage field)
_FIELDS = (
    ("input", "input_tokens"),
    ("cache_creation", "cache_creation_input_tokens"),
    ("cache_read", "cache_read_input_tokens"),
    ("output", "output_tokens"),
)


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _counts(usage: Any) -> dict[str, int]:
    """The counters `usage` (an SDK usage object or a dict) reports, absent ones left out."""
    counts = {
        name: value for name, field in _FIELDS if isinstance(value := _get(usage, field), int)
    }
    details = _get(usage, "output_tokens_details")
    if details is not None and isinstance(thinking := _get(details, "thinking_tokens"), int):
        counts["reasoning"] = thinking
    return counts


def _metadata(counts: dict[str, int]) -> UsageMetadata:
    cache_creation = counts.get("cache_creation")
    cache_read = counts.get("cache_read")
    input_tokens = counts.get("input", 0) + (cache_creation or 0) + (cache_read or 0)
    output_tokens = counts.get("output", 0)
    usage: UsageMetadata = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }
    if cache_creation is not None or cache_read is not None:
        details = {}
        if cache_creation is not None:
            details["cache_creation"] = cache_creation
        if cache_read is not None:
            details["cache_read"] = cache_read
        usage["input_token_details"] = details  # type: ignore[typeddict-item]
    if "reasoning" in counts:
        usage["output_token_details"] = {"reasoning": counts["reasoning"]}
    return usage


def usage_metadata(usage: Any) -> UsageMetadata:
    """The `UsageMetadata` of one whole Anthropic usage report (a non-streamed message)."""
    return _metadata(_counts(usage))


class UsageTally:
    """The usage of one streamed message: each cumulative report as an increment."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def add(self, usage: Any) -> UsageMetadata:
        """What `usage` (cumulative so far) adds to the reports before it.

        Counters a report leaves out are unchanged; detail keys appear only when the report
        has them, so a stream's chunks add up to Anthropic's final counts.
        """
        now = _counts(usage)
        seen = self._seen
        increment = {name: value - seen.get(name, 0) for name, value in now.items()}
        seen.update(now)
        return _metadata(increment)
