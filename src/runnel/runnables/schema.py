"""The shapes of `astream_events` events."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

__all__ = ["CustomStreamEvent", "EventData", "StandardStreamEvent", "StreamEvent"]


class EventData(TypedDict, total=False):
    """`data` of an event: `input` (start, end), `chunk` (stream), `output` (end)."""

    input: Any
    output: Any
    chunk: Any
    error: Any
    tool_call_id: Any


class _BaseStreamEvent(TypedDict):
    event: str
    run_id: str
    tags: NotRequired[list[str]]
    metadata: NotRequired[dict[str, Any]]
    parent_ids: list[str]


class StandardStreamEvent(_BaseStreamEvent):
    """An `on_<type>_<start|stream|end>` event of a run."""

    data: EventData
    name: str


class CustomStreamEvent(_BaseStreamEvent):
    """An `on_custom_event` event: `name` and `data` are the user's."""

    event: Literal["on_custom_event"]  # type: ignore[misc]
    name: str
    data: Any


StreamEvent = StandardStreamEvent | CustomStreamEvent
