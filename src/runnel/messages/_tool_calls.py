"""Tool calls requested by a model: complete, streamed in chunks, or unparseable."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict

from runnel._core.json_stream import parse_partial_json

__all__ = [
    "InvalidToolCall",
    "ToolCall",
    "ToolCallChunk",
    "chunks_from_tool_calls",
    "invalid_tool_call",
    "merge_tool_call_chunks",
    "parse_tool_call_chunks",
    "tool_call",
    "tool_call_chunk",
]


class ToolCall(TypedDict):
    """A request to call a tool, with its arguments parsed."""

    name: str
    args: dict[str, Any]
    id: str | None
    type: NotRequired[Literal["tool_call"]]


class ToolCallChunk(TypedDict):
    """A piece of a streamed tool call; pieces with the same `index` add up to one call."""

    name: str | None
    args: str | None
    id: str | None
    index: int | None
    type: NotRequired[Literal["tool_call_chunk"]]


class InvalidToolCall(TypedDict):
    """A tool call whose arguments are not a JSON object; `args` keeps the raw text."""

    name: str | None
    args: str | None
    id: str | None
    error: str | None
    type: NotRequired[Literal["invalid_tool_call"]]


def tool_call(*, name: str, args: dict[str, Any], id: str | None) -> ToolCall:
    """Build a `ToolCall`."""
    return {"name": name, "args": args, "id": id, "type": "tool_call"}


def tool_call_chunk(
    *,
    name: str | None = None,
    args: str | None = None,
    id: str | None = None,
    index: int | None = None,
) -> ToolCallChunk:
    """Build a `ToolCallChunk`."""
    return {"name": name, "args": args, "id": id, "index": index, "type": "tool_call_chunk"}


def invalid_tool_call(
    *,
    name: str | None = None,
    args: str | None = None,
    id: str | None = None,
    error: str | None = None,
) -> InvalidToolCall:
    """Build an `InvalidToolCall`."""
    return {"name": name, "args": args, "id": id, "error": error, "type": "invalid_tool_call"}


def merge_tool_call_chunks(lists: Iterable[list[ToolCallChunk]]) -> list[ToolCallChunk]:
    """Merge the tool-call chunks of a stream, joining each call's ``args`` once.

    A chunk joins the last earlier call with the same integer ``index`` unless both have
    different non-empty ids (parallel calls that reuse an index stay apart); ``name`` and ``id``
    are the first non-empty ones. Chunks with ``index=None`` are never merged.
    """
    calls: list[_Call] = []
    last_by_index: dict[int, _Call] = {}
    for chunks in lists:
        for chunk in chunks:
            index, call_id = chunk["index"], chunk["id"]
            call = last_by_index.get(index) if index is not None else None
            if call is None or (call_id and call.id and call_id != call.id):
                call = _Call(chunk["name"], call_id, index)
                calls.append(call)
                if index is not None:
                    last_by_index[index] = call
            else:
                if not call.name and chunk["name"]:
                    call.name = chunk["name"]
                if not call.id and call_id:
                    call.id = call_id
            if chunk["args"] is not None:
                call.args.append(chunk["args"])
    return [
        tool_call_chunk(
            name=call.name,
            args="".join(call.args) if call.args else None,
            id=call.id,
            index=call.index,
        )
        for call in calls
    ]


class _Call:
    __slots__ = ("args", "id", "index", "name")

    def __init__(self, name: str | None, call_id: str | None, index: int | None) -> None:
        self.name, self.id, self.index = name, call_id, index
        self.args: list[str] = []


def parse_tool_call_chunks(
    chunks: Iterable[ToolCallChunk],
) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """Parse merged tool-call chunks into tool calls, reading each `args` as partial JSON.

    Empty or missing args give `{}`; `'{"b": 2'` gives `{"b": 2}`. Args that are not (a prefix
    of) a JSON object become an `InvalidToolCall` that keeps the raw text, with ``error=None``
    as in langchain-core.
    """
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for chunk in chunks:
        raw = chunk.get("args")
        name, call_id = chunk.get("name"), chunk.get("id")
        try:
            args = parse_partial_json(raw) if raw and not raw.isspace() else {}
        except ValueError:
            args = None
        if isinstance(args, dict):
            calls.append(tool_call(name=name or "", args=args, id=call_id))
        else:
            invalid.append(invalid_tool_call(name=name, args=raw, id=call_id))
    return calls, invalid


def chunks_from_tool_calls(
    calls: Iterable[ToolCall], invalid: Iterable[InvalidToolCall]
) -> list[ToolCallChunk]:
    """Turn complete tool calls back into (unindexed) chunks, args serialised as JSON."""
    chunks = [
        tool_call_chunk(name=call["name"], args=json.dumps(call["args"]), id=call["id"])
        for call in calls
    ]
    chunks.extend(
        tool_call_chunk(name=call["name"], args=call["args"], id=call["id"]) for call in invalid
    )
    return chunks
