"""How results, chunks and events look on the command line.

Text (strings, and messages whose content is plain text) is written as it comes; anything
else is one JSON line (`to_jsonable`). Events on a terminal get a compact, coloured
one-line view: phase, run type, name (indented by depth) and a short form of the data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, TextIO

from runnel.documents import Document
from runnel.messages import BaseMessage
from runnel.prompt_values import PromptValue
from runnel.tracers import to_jsonable

__all__ = ["ChunkWriter", "dumps", "event_line", "use_colour"]

_PHASE_COLOURS = {"start": "32", "stream": "36", "end": "34", "custom": "35"}


def dumps(value: Any) -> str:
    """`value` as one line of JSON (via `to_jsonable`)."""
    return json.dumps(to_jsonable(value), ensure_ascii=False)


def use_colour(stream: TextIO) -> bool:
    """Whether to colour what goes to `stream`: a terminal, and `NO_COLOR` unset."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


class ChunkWriter:
    """Writes a stream of chunks: text runs together, anything else is one JSON line.

    With `json_lines`, every chunk is a JSON line. Each write is flushed, so chunks
    appear as they arrive even through a pipe.
    """

    def __init__(self, out: TextIO, *, json_lines: bool) -> None:
        self.out = out
        self.json_lines = json_lines
        self.mid_line = False

    def write(self, chunk: Any) -> None:
        """Write one chunk."""
        text = None if self.json_lines else _text(chunk)
        if text is None:
            self.end_line()
            self.out.write(dumps(chunk) + "\n")
        elif text:
            self.out.write(text)
            self.mid_line = not text.endswith("\n")
        self.out.flush()

    def end_line(self) -> None:
        """End a line of text left open by the last chunk."""
        if self.mid_line:
            self.out.write("\n")
            self.out.flush()
            self.mid_line = False


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if (
        isinstance(value, BaseMessage)
        and isinstance(value.content, str)
        and not getattr(value, "tool_calls", None)
        and not getattr(value, "tool_call_chunks", None)
    ):
        return value.content
    return None


def event_line(event: Mapping[str, Any], *, width: int, colour: bool) -> str:
    """One line for an `astream_events` event, at most `width` characters (colours aside).

    Example: ``stream chat_model    GenericFakeChatModel ai: 'hello'``.
    """
    kind = str(event.get("event", ""))
    data = event.get("data") or {}
    if kind == "on_custom_event":
        phase, run_type, value = "custom", "custom", data
    else:
        run_type, _, phase = kind.removeprefix("on_").rpartition("_")
        key = {"start": "input", "stream": "chunk", "end": "output"}.get(phase, "")
        value = data.get(key, _MISSING) if isinstance(data, Mapping) else data
    indent = "  " * len(event.get("parent_ids") or ())
    name = str(event.get("name", ""))
    head = f"{phase:<6} {run_type:<10} {indent}"
    detail = "" if value is _MISSING else " " + short(value)
    line = _fit(head + name + detail, width)
    if not colour:
        return line
    start, rest = line[:6], line[6 : len(head)]
    shown_name = line[len(head) : len(head) + len(name)]
    tail = line[len(head) + len(name) :]
    code = _PHASE_COLOURS.get(phase, "31")
    return f"\x1b[{code}m{start}\x1b[0m\x1b[2m{rest}\x1b[0m\x1b[1m{shown_name}\x1b[0m{tail}"


_MISSING: Any = object()


def _fit(line: str, width: int) -> str:
    line = line.replace("\n", "\\n")
    if width > 3 and len(line) > width:
        return line[: width - 3] + "..."
    return line


def short(value: Any) -> str:
    """A short, one-line, readable form of an event's data (messages as `role: 'text'`)."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, BaseMessage):
        role = value.type.removesuffix("MessageChunk").removesuffix("Chunk").lower()
        text = f"{role}: {value.content!r}"
        calls = getattr(value, "tool_calls", None) or getattr(value, "tool_call_chunks", None)
        if calls:
            text += " " + short(
                [{k: c.get(k) for k in ("name", "args") if c.get(k)} for c in calls]
            )
        return text
    if isinstance(value, Document):
        return f"Document({value.page_content!r})"
    if isinstance(value, PromptValue):
        return short(value.to_messages())
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(short(v) for v in value) + "]"
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    data = to_jsonable(value)
    return repr(data) if isinstance(data, str) else short(data)
