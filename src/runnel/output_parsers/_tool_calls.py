"""Tool calls being streamed: pieces merged by index, arguments parsed incrementally.

`ToolCallStream` receives the `tool_call_chunks` of each streamed `AIMessageChunk` and keeps,
per tool call, one `JsonStream` fed with that call's argument pieces: each character of the
arguments is parsed once, whatever the number of chunks (adding the message chunks up and
re-reading their `tool_calls` would re-parse every call's arguments on every chunk).

Merging follows `runnel.messages`: a piece with an ``index`` continues the last call with that
index unless both carry different non-empty ids; a piece without an index is a call of its
own; a call's name and id are the first non-empty ones. A call is shown once its arguments
are (the start of) a JSON object; empty arguments read as ``{}``. Arguments that cannot be
an object make the call invalid (it is no longer shown), as in `AIMessage.invalid_tool_calls`.
"""

from __future__ import annotations

from typing import Any

from runnel._core.json_stream import JsonStream, JsonStreamError
from runnel.messages import AIMessage, AIMessageChunk, BaseMessage, ToolCallChunk

__all__ = ["StreamedToolCall", "ToolCallStream"]

_EMPTY: Any = object()


class StreamedToolCall:
    """One tool call as far as it has streamed.

    Attributes:
        name: The tool's name ("" until known).
        id: The call's id, if any.
        version: Incremented on every change of what the call shows.
        valid: False once its arguments cannot be a JSON object.
    """

    __slots__ = ("_args", "_json", "_object", "cache", "id", "name", "valid", "version")

    def __init__(self, name: str | None, call_id: str | None) -> None:
        self.name = name or ""
        self.id = call_id or None
        self.version = 0
        self.valid = True
        self._json: JsonStream | None = None
        self._object = False  # the arguments start with '{'
        self._args: Any = _EMPTY
        self.cache: Any = None  # a parser's derived value for this version (validated model)

    @classmethod
    def complete(cls, name: str, args: dict[str, Any], call_id: str | None) -> StreamedToolCall:
        """A call received whole, its arguments already parsed."""
        call = cls(name, call_id)
        call._args = args
        return call

    @property
    def args(self) -> dict[str, Any]:
        """The arguments so far (open strings and containers completed)."""
        return {} if self._args is _EMPTY else self._args

    def add(self, piece: ToolCallChunk, *, track_id: bool) -> bool:
        """Merge a piece of this call; True if what the call shows changed."""
        changed = False
        name, call_id = piece.get("name"), piece.get("id")
        if name and not self.name:
            self.name, changed = name, True
        if call_id and not self.id:
            self.id = call_id
            changed = changed or track_id
        if self.add_args(piece.get("args")):
            return True  # counted by add_args
        if changed:
            self.version += 1
        return changed

    def close(self) -> bool:
        """End the arguments; True if the call changed (completed, or found invalid)."""
        if self._json is None or not self.valid:
            return False
        try:
            values = self._json.close()
        except JsonStreamError:
            return self._invalidate()
        if not values:
            return False
        self._args = values[-1]
        self.version += 1
        return True

    def add_args(self, text: str | None) -> bool:
        """Feed a piece of the arguments' JSON; True if the arguments shown changed."""
        if not text or not self.valid:
            return False
        if self._json is None:
            self._json = JsonStream(markdown=False)
        if not self._object:
            start = text.lstrip()
            if start and start[0] != "{":
                return self._invalidate()
            self._object = bool(start)
        try:
            values = self._json.feed(text)
            self._json.feed("")  # raises now if `text` held an invalid character
        except JsonStreamError:
            return self._invalidate()
        if not values:
            return False
        shown_before = self._args is not _EMPTY or values[-1] != {}  # {} was shown already
        self._args = values[-1]
        if shown_before:
            self.version += 1
        return shown_before

    def _invalidate(self) -> bool:
        self.valid = False
        self.version += 1
        return True


class ToolCallStream:
    """The tool calls of a streamed message, in order.

    Args:
        track_ids: A change of a call's id counts as a change (the parser shows ids).
    """

    __slots__ = ("_by_index", "_track_ids", "calls")

    def __init__(self, *, track_ids: bool) -> None:
        self._track_ids = track_ids
        self._by_index: dict[int | str, StreamedToolCall] = {}
        self.calls: list[StreamedToolCall] = []

    def feed(self, message: BaseMessage) -> bool:
        """Read a streamed message chunk (or a whole message); True if any call changed."""
        if isinstance(message, AIMessageChunk):
            changed = False
            for piece in message.tool_call_chunks:
                if self._add_piece(piece):
                    changed = True
            return changed
        if isinstance(message, AIMessage):
            return self.add_message(message)
        return False

    def add_message(self, message: AIMessage) -> bool:
        """Add the (already parsed) tool calls of a whole message; True if there were any."""
        for call in message.tool_calls:
            self.calls.append(StreamedToolCall.complete(call["name"], call["args"], call["id"]))
        return bool(message.tool_calls)

    def close(self) -> bool:
        """End every call's arguments; True if any call changed."""
        changed = False
        for call in self.calls:
            if call.close():
                changed = True
        return changed

    @property
    def valid(self) -> list[StreamedToolCall]:
        """The calls whose arguments are (the start of) a JSON object."""
        return [call for call in self.calls if call.valid]

    def _add_piece(self, piece: ToolCallChunk) -> bool:
        index = piece.get("index")
        keyed = isinstance(index, int | str) and not isinstance(index, bool)
        call = self._by_index.get(index) if keyed else None  # type: ignore[arg-type]
        piece_id = piece.get("id")
        if call is not None and (not piece_id or not call.id or piece_id == call.id):
            return call.add(piece, track_id=self._track_ids)
        call = StreamedToolCall(piece.get("name"), piece_id)
        self.calls.append(call)
        if keyed:
            self._by_index[index] = call  # type: ignore[index]
        call.add_args(piece.get("args"))
        return True
