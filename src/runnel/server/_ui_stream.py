"""Writing a run's parts as the AI SDK's UI message stream (what `useChat` reads).

`UIStreamEncoder` turns `Part` values into UI message chunks (dicts with a `type`), one
SSE ``data:`` event each, ended by ``data: [DONE]``. Only chunk types every client from
ai 5.0 on accepts are written by default (the v5-safe subset: ai 5 and 6 reject unknown
fields and types, and ai < 5.0.92 rejects `finish.finishReason`); `sdk_version=6` or `7`
adds `finishReason`.

| part | chunks |
|---|---|
| (start) | `start` {messageId, messageMetadata: {run_id}}, `start-step` |
| text / reasoning | `text-start`, `text-delta`..., `text-end` (same for `reasoning-*`) |
| a tool call in the answer | `tool-input-start`, `tool-input-delta`..., `tool-input-available` |
| a tool run inside the chain | `tool-input-available`, `tool-output-available` (or `-error`) |
| a custom event ``name`` | `data-<name>` {data} |
| the end | `message-metadata` {usage}, `finish-step`, `finish` |
| an error | `error` {errorText}, `finish-step`, `finish` |

Tool parts are dynamic (``dynamic: true``): the client needs no tool definitions. Text
after a tool run starts a new step, so the client shows it below the tool.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from runnel.server._ui_parts import (
    CustomData,
    Finished,
    Part,
    ReasoningDelta,
    TextDelta,
    ToolCallDelta,
    ToolFailed,
    ToolFinished,
    ToolStarted,
    to_jsonable,
)

__all__ = ["UI_STREAM_HEADERS", "SdkVersion", "UIStreamEncoder"]

SdkVersion = Literal[5, 6, 7]
"""The oldest AI SDK major the stream must satisfy."""

UI_STREAM_HEADERS = {
    "Cache-Control": "no-cache",
    "x-vercel-ai-ui-message-stream": "v1",
}
"""Response headers of a UI message stream (with `text/event-stream`, `X-Accel-Buffering`)."""

Chunk = dict[str, Any]


@dataclass(slots=True)
class _Call:
    call_id: str
    name: str
    args: list[str] = field(default_factory=list)


@dataclass(slots=True)
class UIStreamEncoder:
    """Encodes one run's parts as UI message chunks.

    Attributes:
        message_id: The assistant message's id (`start.messageId`).
        run_id: The run's id, sent as message metadata.
        sdk_version: The oldest AI SDK major to satisfy (5 = the v5-safe subset).
        error_text: What the user is told about an error (of the run or of a tool).
    """

    message_id: str
    run_id: str
    sdk_version: SdkVersion = 5
    error_text: Callable[[BaseException], str] = lambda exc: "An error occurred."
    _open: tuple[str, str] | None = None  # ("text" | "reasoning", id) of the open block
    _blocks: int = 0
    _new_step: bool = False
    _calls: dict[int, _Call] = field(default_factory=dict)

    def start(self) -> list[Chunk]:
        """The chunks that open the message."""
        return [
            {
                "type": "start",
                "messageId": self.message_id,
                "messageMetadata": {"run_id": self.run_id},
            },
            {"type": "start-step"},
        ]

    def feed(self, part: Part) -> list[Chunk]:
        """The chunks for one part."""
        out: list[Chunk] = []
        if not isinstance(part, ToolCallDelta):
            out.extend(self._announce_calls())
        if isinstance(part, TextDelta | ReasoningDelta):
            kind = "text" if isinstance(part, TextDelta) else "reasoning"
            out.extend(self._block(kind))
            assert self._open is not None
            out.append({"type": f"{kind}-delta", "id": self._open[1], "delta": part.text})
        elif isinstance(part, ToolCallDelta):
            out.extend(self._close())
            out.extend(self._call_delta(part))
        elif isinstance(part, ToolStarted):
            out.extend(self._close())
            out.append(
                {
                    "type": "tool-input-available",
                    "toolCallId": part.call_id,
                    "toolName": part.name,
                    "input": to_jsonable(part.input),
                    "dynamic": True,
                }
            )
            self._new_step = True
        elif isinstance(part, ToolFinished):
            out.append(
                {
                    "type": "tool-output-available",
                    "toolCallId": part.call_id,
                    "output": to_jsonable(part.output),
                    "dynamic": True,
                }
            )
        elif isinstance(part, ToolFailed):
            out.append(
                {
                    "type": "tool-output-error",
                    "toolCallId": part.call_id,
                    "errorText": self.error_text(part.error),
                    "dynamic": True,
                }
            )
        elif isinstance(part, CustomData):
            out.append({"type": f"data-{part.name}", "data": to_jsonable(part.data)})
        elif isinstance(part, Finished):
            out.extend(self._close())
            if part.usage is not None:
                out.append(
                    {"type": "message-metadata", "messageMetadata": {"usage": dict(part.usage)}}
                )
            out.append({"type": "finish-step"})
            out.append(self._finish(part.finish_reason))
        return out

    def error(self, exc: BaseException) -> list[Chunk]:
        """The chunks that end the message after the run failed with `exc`."""
        return self.failed(self.error_text(exc))

    def failed(self, text: str) -> list[Chunk]:
        """The chunks that end the message with the error `text` (already safe to show)."""
        return [
            {"type": "error", "errorText": text},
            {"type": "finish-step"},
            self._finish("error"),
        ]

    # -- internals ---------------------------------------------------------------------
    def _finish(self, reason: str) -> Chunk:
        if self.sdk_version == 5:
            return {"type": "finish"}
        reasons = {"stop", "length", "content-filter", "tool-calls", "error", "other"}
        reason = reason.replace("_", "-")
        return {"type": "finish", "finishReason": reason if reason in reasons else "other"}

    def _block(self, kind: str) -> list[Chunk]:
        if self._open is not None and self._open[0] == kind:
            return []
        out = self._close()
        if self._new_step:
            out += [{"type": "finish-step"}, {"type": "start-step"}]
            self._new_step = False
        block_id = f"{kind[:4]}_{self._blocks}"
        self._blocks += 1
        self._open = (kind, block_id)
        out.append({"type": f"{kind}-start", "id": block_id})
        return out

    def _close(self) -> list[Chunk]:
        if self._open is None:
            return []
        kind, block_id = self._open
        self._open = None
        return [{"type": f"{kind}-end", "id": block_id}]

    def _call_delta(self, part: ToolCallDelta) -> list[Chunk]:
        out: list[Chunk] = []
        call = self._calls.get(part.index)
        if call is None:
            call_id = part.id or f"call_{self.run_id}_{part.index}"
            call = self._calls[part.index] = _Call(call_id, part.name or "")
            out.append(
                {
                    "type": "tool-input-start",
                    "toolCallId": call.call_id,
                    "toolName": call.name,
                    "dynamic": True,
                }
            )
        if part.args:
            call.args.append(part.args)
            out.append(
                {
                    "type": "tool-input-delta",
                    "toolCallId": call.call_id,
                    "inputTextDelta": part.args,
                }
            )
        return out

    def _announce_calls(self) -> list[Chunk]:
        """`tool-input-available` for each call whose arguments have all streamed."""
        out: list[Chunk] = []
        for call in self._calls.values():
            text = "".join(call.args)
            try:
                arguments = json.loads(text) if text.strip() else {}
            except ValueError:
                arguments = text
            out.append(
                {
                    "type": "tool-input-available",
                    "toolCallId": call.call_id,
                    "toolName": call.name,
                    "input": arguments,
                    "dynamic": True,
                }
            )
        if out:
            self._new_step = True
        self._calls.clear()
        return out
