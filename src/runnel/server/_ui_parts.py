"""What a chat client cares about in a run: the answer's pieces, tool activity, usage.

`PartReader` turns the `astream_events` (v2) events of one run into `Part` values that the
chat-style encoders (OpenAI chunks, AI SDK UI chunks) write out. It never blocks or awaits:
the endpoints feed it events and encode what it returns.

Where each part comes from:

* the answer (`TextDelta`, `ReasoningDelta`, `ToolCallDelta`) comes from the output stream of
  the served runnable itself (the root run), so a chain ending in a parser streams the parsed
  text; the output must be strings or messages;
* `ToolStarted` / `ToolFinished` / `ToolFailed` from tool runs anywhere inside the run;
* `CustomData` from custom events (`dispatch_custom_event`);
* usage from every chat model run inside the run, summed (or, when no model reported any,
  from the final output message);
* `Finished` from the root run's end.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runnel.messages import AIMessageChunk, BaseMessage, ToolMessage, UsageMetadata
from runnel.messages._usage import add_usage
from runnel.outputs import GenerationChunk
from runnel.tracers import to_jsonable as _jsonable

__all__ = [
    "CustomData",
    "Finished",
    "OutputTypeError",
    "Part",
    "PartReader",
    "ReasoningDelta",
    "TextDelta",
    "ToolCallDelta",
    "ToolFailed",
    "ToolFinished",
    "ToolStarted",
    "to_jsonable",
]


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the answer's text."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """A piece of the model's reasoning, when the answer carries it."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A piece of a tool call the answer asks the client to make.

    The first piece of a call carries its `id` and `name`; `args` are JSON text fragments.
    """

    index: int
    id: str | None
    name: str | None
    args: str


@dataclass(frozen=True, slots=True)
class ToolStarted:
    """A tool began running inside the served runnable."""

    call_id: str
    name: str
    input: Any


@dataclass(frozen=True, slots=True)
class ToolFinished:
    """A tool running inside the served runnable returned `output`."""

    call_id: str
    name: str
    output: Any


@dataclass(frozen=True, slots=True)
class ToolFailed:
    """A tool running inside the served runnable raised `error`."""

    call_id: str
    name: str
    error: BaseException


@dataclass(frozen=True, slots=True)
class CustomData:
    """A custom event dispatched inside the run."""

    name: str
    data: Any


@dataclass(frozen=True, slots=True)
class Finished:
    """The run ended with `output`.

    Attributes:
        output: The root run's final output.
        finish_reason: The model's reason (OpenAI's words: ``stop``, ``length``,
            ``tool_calls``, ``content_filter``).
        usage: Token usage of the whole run, if any model reported it.
    """

    output: Any
    finish_reason: str
    usage: UsageMetadata | None


Part = (
    TextDelta
    | ReasoningDelta
    | ToolCallDelta
    | ToolStarted
    | ToolFinished
    | ToolFailed
    | CustomData
    | Finished
)
"""Everything `PartReader` produces."""


class OutputTypeError(TypeError):
    """The served runnable streamed something a chat endpoint cannot answer with."""


# Providers' stop reasons in OpenAI's words.
_FINISH_REASONS = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "STOP": "stop",
    "COMPLETE": "stop",
    "length": "length",
    "max_tokens": "length",
    "MAX_TOKENS": "length",
    "tool_calls": "tool_calls",
    "tool_use": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
    "SAFETY": "content_filter",
    "refusal": "content_filter",
}


class PartReader:
    """Reads the `astream_events` v2 events of one run into `Part` values."""

    __slots__ = ("_calls", "_finish", "_model_usage", "_root")

    def __init__(self) -> None:
        self._root: str | None = None
        self._model_usage: list[UsageMetadata | None] = []
        self._finish: str | None = None
        # index of each streamed tool call, by the provider's index (or id)
        self._calls: dict[Any, int] = {}

    def feed(self, event: Mapping[str, Any]) -> list[Part]:
        """The parts one event contributes (often none).

        Raises:
            OutputTypeError: the root run streamed something other than strings or messages.
        """
        kind: str = event["event"]
        data: Mapping[str, Any] = event.get("data") or {}
        if self._root is None and not event.get("parent_ids"):
            self._root = event["run_id"]
        if event["run_id"] == self._root:
            if kind.endswith("_stream"):
                return self._answer(data.get("chunk"))
            if kind.endswith("_end"):
                return [self._finished(data.get("output"))]
        if kind == "on_chat_model_end":
            output = data.get("output")
            if isinstance(output, BaseMessage):
                self._model_usage.append(getattr(output, "usage_metadata", None))
        elif kind == "on_tool_start":
            return [ToolStarted(event["run_id"], event["name"], data.get("input"))]
        elif kind == "on_tool_end":
            return [ToolFinished(event["run_id"], event["name"], data.get("output"))]
        elif kind == "on_tool_error":
            return [ToolFailed(event["run_id"], event["name"], data["error"])]
        elif kind == "on_custom_event":
            return [CustomData(event["name"], data)]
        return []

    # -- the answer --------------------------------------------------------------------
    def _answer(self, chunk: Any) -> list[Part]:
        if isinstance(chunk, str):
            return [TextDelta(chunk)] if chunk else []
        if isinstance(chunk, GenerationChunk):  # a root LLM's token
            return [TextDelta(chunk.text)] if chunk.text else []
        if not isinstance(chunk, BaseMessage):
            raise OutputTypeError(
                f"The served runnable streamed a {type(chunk).__name__}; a chat endpoint needs "
                "a runnable whose output is a message or a string (end the chain with a chat "
                "model or a StrOutputParser)."
            )
        parts: list[Part] = []
        reasoning = _reasoning(chunk)
        if reasoning:
            parts.append(ReasoningDelta(reasoning))
        text = chunk.text
        if text:
            parts.append(TextDelta(text))
        parts.extend(self._tool_calls(chunk))
        reason = chunk.response_metadata.get("finish_reason") or chunk.response_metadata.get(
            "stop_reason"
        )
        if isinstance(reason, str) and reason:
            self._finish = _FINISH_REASONS.get(reason, "stop")
        return parts

    def _tool_calls(self, message: BaseMessage) -> list[Part]:
        parts: list[Part] = []
        if not isinstance(message, AIMessageChunk):  # a whole message: whole calls
            for call in getattr(message, "tool_calls", ()):
                index = len(self._calls)
                self._calls[object()] = index
                parts.append(
                    ToolCallDelta(index, call["id"], call["name"], json.dumps(call["args"]))
                )
            return parts
        for piece in message.tool_call_chunks:
            key: object = piece.get("index")
            if key is None:
                key = piece.get("id")
            if key is None:  # a continuation without index or id: the latest call
                index = len(self._calls) - 1 if self._calls else self._new_call(object())
            else:
                index = self._calls[key] if key in self._calls else self._new_call(key)
            parts.append(
                ToolCallDelta(index, piece.get("id"), piece.get("name"), piece.get("args") or "")
            )
        return parts

    def _new_call(self, key: object) -> int:
        index = self._calls[key] = len(self._calls)
        return index

    # -- the end -----------------------------------------------------------------------
    def _finished(self, output: Any) -> Finished:
        usage = add_usage(self._model_usage)
        if usage is None and isinstance(output, BaseMessage):
            usage = getattr(output, "usage_metadata", None)
        reason = self._finish
        if reason is None or (reason == "stop" and self._calls):
            reason = "tool_calls" if self._calls else "stop"
        return Finished(output, reason, usage)


def _reasoning(message: BaseMessage) -> str:
    """The reasoning text a message carries: content blocks or ``reasoning_content``."""
    text = message.additional_kwargs.get("reasoning_content")
    out = text if isinstance(text, str) else ""
    content = message.content
    if isinstance(content, list):
        for block in content:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "reasoning":
                value = block.get("reasoning")
            elif kind == "thinking":
                value = block.get("thinking")
            else:
                continue
            if isinstance(value, str):
                out += value
    return out


def to_jsonable(value: Any) -> Any:
    """A JSON-ready copy of a tool input or output: a tool message becomes its content."""
    if isinstance(value, ToolMessage):
        value = value.content
    return _jsonable(value)
