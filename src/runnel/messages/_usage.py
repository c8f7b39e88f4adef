"""Token usage reported by a model, and how the usage of streamed chunks adds up."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NotRequired

from typing_extensions import TypedDict

__all__ = ["InputTokenDetails", "OutputTokenDetails", "UsageMetadata", "add_usage"]


class InputTokenDetails(TypedDict, total=False):
    """A breakdown of input tokens; the counts need not add up to `input_tokens`."""

    audio: int
    cache_creation: int
    cache_read: int


class OutputTokenDetails(TypedDict, total=False):
    """A breakdown of output tokens; the counts need not add up to `output_tokens`."""

    audio: int
    reasoning: int


class UsageMetadata(TypedDict):
    """Token counts of one model call."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_token_details: NotRequired[InputTokenDetails]
    output_token_details: NotRequired[OutputTokenDetails]


def add_usage(usages: Iterable[UsageMetadata | None]) -> UsageMetadata | None:
    """Sum token usages: every counter adds, nested details included; `None` counts as absent.

    Returns:
        `None` if every usage is `None`, else the sums.
    """
    present = [usage for usage in usages if usage is not None]
    if len(present) <= 1:
        return dict(present[0]) if present else None  # type: ignore[return-value]
    total: dict[str, Any] = {}
    for usage in present:
        _add_counts(total, usage)
    return total  # type: ignore[return-value]


def _add_counts(total: dict[str, Any], counts: Mapping[str, Any]) -> None:
    for key, value in counts.items():
        if isinstance(value, Mapping):
            _add_counts(total.setdefault(key, {}), value)
        elif value is not None:
            total[key] = total.get(key, 0) + value
